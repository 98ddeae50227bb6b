-- The CA under which an SSH key was registered: the SHA-256 of that CA certificate's public key (SubjectPublicKeyInfo),
-- in hex. A login with the key is refused once the server trusts another CA (review DH: a key registered through a
-- certificate of a CA the operator replaced still logged in over SFTP). NULL for keys registered before this column:
-- their registration certificate must then be signed by the current CA itself.
ALTER TABLE ssh_keys ADD COLUMN ca_key VARCHAR(64);
