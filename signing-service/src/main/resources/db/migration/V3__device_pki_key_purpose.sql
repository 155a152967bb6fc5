-- CA keys of the device PKI get their own purpose: the signing endpoints refuse them by purpose,
-- no longer by the "pki-" prefix of their id.
UPDATE signing_key SET purpose = 'device-pki'
 WHERE purpose = 'certificate-authority' AND id IN (SELECT key_id FROM pki_ca WHERE key_id IS NOT NULL);
