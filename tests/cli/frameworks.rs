//! The frameworks the README names, as their users set them up, through
//! the env file only: Django's `migrate` with dj-database-url, SQLAlchemy
//! given `DATABASE_URL` as it is, and a Celery task whose broker is
//! `AMQP_URL` and whose result backend is `REDIS_URL`.
use std::process::{Command, Stdio};

use crate::common::*;

const SETTINGS: &str = r#"import dj_database_url
SECRET_KEY = "only-for-this-test"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
DATABASES = {"default": dj_database_url.config(conn_max_age=0)}
USE_TZ = True
"#;

const TASKS: &str = r#"import os
from celery import Celery
app = Celery("tasks", broker=os.environ["AMQP_URL"], backend=os.environ["REDIS_URL"])
@app.task
def add(x, y):
    return x + y
"#;

/// Issue 23: SQLAlchemy 1.4+ refuses `postgres://` (its dialect alias was
/// dropped), so DATABASE_URL is `postgresql://`; the three frameworks run
/// unchanged against the services.
#[test]
fn django_sqlalchemy_and_celery_run_from_the_env_file() {
    let project = TestProject::new(
        "frameworks",
        "services:\n  postgres: {}\n  redis: {}\n  rabbitmq: {}\n",
    );
    project.run(&["up", "--timeout", "120"]).ok();
    let vars = project.dotenv();
    let dir = project.path();
    std::fs::create_dir(dir.join("mysite")).unwrap();
    std::fs::write(dir.join("mysite/__init__.py"), "").unwrap();
    std::fs::write(dir.join("mysite/settings.py"), SETTINGS).unwrap();
    std::fs::write(dir.join("tasks.py"), TASKS).unwrap();
    let in_project = |cmd: &mut Command| -> Run { app(cmd.current_dir(dir), &vars) };

    let migrate = in_project(Command::new("python3").args([
        "-m",
        "django",
        "migrate",
        "--settings=mysite.settings",
        "--pythonpath=.",
    ]));
    assert_eq!(migrate.code, 0, "{}{}", migrate.stdout, migrate.stderr);
    assert!(
        migrate.stdout.contains("Applying auth.0001_initial... OK"),
        "{}",
        migrate.stdout
    );

    let alchemy = in_project(Command::new("python3").args([
        "-c",
        "import os, sqlalchemy\n\
         engine = sqlalchemy.create_engine(os.environ['DATABASE_URL'])\n\
         with engine.connect() as c:\n    \
         print(c.execute(sqlalchemy.text('select count(*) from django_migrations')).scalar())\n",
    ]));
    assert_eq!(alchemy.code, 0, "{}", alchemy.stderr);
    let applied: u32 = alchemy.stdout.trim().parse().unwrap();
    assert!(
        applied > 5,
        "Django's migrations, read by SQLAlchemy: {applied}"
    );

    let mut celery = Command::new("celery");
    let _worker_home = app_environment(&mut celery, &vars);
    let mut worker = ChildGuard::new(
        celery
            .args([
                "-A",
                "tasks",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let task = in_project(Command::new("python3").args([
        "-c",
        "from tasks import add\nprint(add.delay(2, 3).get(timeout=60))\n",
    ]));
    assert_eq!(task.code, 0, "{}", task.stderr);
    assert_eq!(task.stdout.trim(), "5");
    assert!(
        worker.child().try_wait().unwrap().is_none(),
        "the worker kept running"
    );
}
