DJANGO_SECRET_KEY=dev
DATABASE_URL=mysql://polls:polls_pw@mysql:3306/polls
