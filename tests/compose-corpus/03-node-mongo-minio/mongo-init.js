db.createCollection("files");
