-- Device PKI: the CA hierarchy (root and issuing device CA) and the device certificates it issued.
-- Portable between PostgreSQL and H2; timestamps are ISO-8601 UTC strings, certificates PEM/base64 text.

CREATE TABLE pki_ca (
    id         VARCHAR(64)   PRIMARY KEY,
    kind       VARCHAR(16)   NOT NULL,
    key_id     VARCHAR(64),
    signer_id  INTEGER,
    state      VARCHAR(24)   NOT NULL,
    cert_pem   VARCHAR(8000),
    csr_pem    VARCHAR(8000),
    subject    VARCHAR(500),
    created_by VARCHAR(200)  NOT NULL,
    created_at VARCHAR(40)   NOT NULL
);

CREATE TABLE device_cert (
    serial            VARCHAR(64)   PRIMARY KEY,
    chip_serial       VARCHAR(32)   NOT NULL,
    csr_hash          VARCHAR(64)   NOT NULL UNIQUE,
    ca_id             VARCHAR(64)   NOT NULL REFERENCES pki_ca (id),
    fingerprint       VARCHAR(64)   NOT NULL,
    not_before        VARCHAR(40)   NOT NULL,
    not_after         VARCHAR(40)   NOT NULL,
    cert_der          VARCHAR(4000) NOT NULL,
    status            VARCHAR(16)   NOT NULL,
    revoked_at        VARCHAR(40),
    revocation_reason VARCHAR(32),
    issued_by         VARCHAR(200)  NOT NULL,
    issued_at         VARCHAR(40)   NOT NULL
);
CREATE INDEX device_cert_chip ON device_cert (chip_serial);
CREATE INDEX device_cert_status ON device_cert (status);
