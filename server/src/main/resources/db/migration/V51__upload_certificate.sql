-- The certificate each upload was started with (issuer and serial in hex, as revoked_certificates keeps them): an admin
-- who revokes that certificate ends its unfinished uploads, which the client that started them forgets (NULL for the
-- uploads started before this version, which keep their old rule: they expire idle).
ALTER TABLE uploads ADD COLUMN made_with_issuer VARCHAR(512);
ALTER TABLE uploads ADD COLUMN made_with_serial VARCHAR(64);
