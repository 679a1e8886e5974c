insert into polls_question values (1, 'What is new?');
