-- What an approver is shown: the file, version and size of the image whose digest is to be signed.
ALTER TABLE sign_request ADD COLUMN file_name VARCHAR(255);
ALTER TABLE sign_request ADD COLUMN image_version VARCHAR(64);
ALTER TABLE sign_request ADD COLUMN image_size BIGINT;
