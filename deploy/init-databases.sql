-- One database per service (services never share a database).
CREATE DATABASE hukou_intake;
CREATE DATABASE hukou_review;
CREATE DATABASE hukou_scoring;
CREATE DATABASE hukou_publicity;
CREATE DATABASE hukou_settlement;
