create table polls_question (id int primary key, text varchar(200));
