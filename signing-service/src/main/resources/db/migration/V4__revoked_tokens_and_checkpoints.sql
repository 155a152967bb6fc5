-- Bearer tokens revoked by their jti before they expire, and signed checkpoints of the audit chain head.

CREATE TABLE revoked_token (
    jti        VARCHAR(64)  PRIMARY KEY,
    subject    VARCHAR(200),
    reason     VARCHAR(500),
    revoked_by VARCHAR(200) NOT NULL,
    revoked_at VARCHAR(40)  NOT NULL
);

CREATE TABLE audit_checkpoint (
    seq        BIGINT        PRIMARY KEY,
    hash       VARCHAR(64)   NOT NULL,
    at         VARCHAR(40)   NOT NULL,
    key_id     VARCHAR(64)   NOT NULL,
    signature  VARCHAR(2000) NOT NULL
);
