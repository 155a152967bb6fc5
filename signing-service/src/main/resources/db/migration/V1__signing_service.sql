-- Keys, their versions, signing requests with approvals, and the hash-chained audit log.
-- Portable between PostgreSQL and H2; timestamps are ISO-8601 UTC strings.

CREATE TABLE signing_key (
    id                 VARCHAR(64)  PRIMARY KEY,
    key_type           VARCHAR(16)  NOT NULL,
    purpose            VARCHAR(32)  NOT NULL,
    backend            VARCHAR(16)  NOT NULL,
    production         BOOLEAN      NOT NULL,
    approvals_required INTEGER      NOT NULL,
    state              VARCHAR(16)  NOT NULL,
    current_version    INTEGER      NOT NULL,
    description        VARCHAR(500),
    created_by         VARCHAR(200) NOT NULL,
    created_at         VARCHAR(40)  NOT NULL,
    updated_at         VARCHAR(40)  NOT NULL
);

CREATE TABLE key_version (
    key_id     VARCHAR(64)   NOT NULL REFERENCES signing_key (id),
    version    INTEGER       NOT NULL,
    alias      VARCHAR(128)  NOT NULL UNIQUE,
    public_pem VARCHAR(4000) NOT NULL,
    key_hash   VARCHAR(64)   NOT NULL,
    state      VARCHAR(16)   NOT NULL,
    created_at VARCHAR(40)   NOT NULL,
    PRIMARY KEY (key_id, version)
);

CREATE TABLE sign_request (
    id                 VARCHAR(36)   PRIMARY KEY,
    key_id             VARCHAR(64)   NOT NULL REFERENCES signing_key (id),
    key_version        INTEGER       NOT NULL,
    algorithm          VARCHAR(16)   NOT NULL,
    digest             VARCHAR(128)  NOT NULL,
    requester          VARCHAR(200)  NOT NULL,
    requester_roles    VARCHAR(200)  NOT NULL,
    state              VARCHAR(16)   NOT NULL,
    approvals_required INTEGER       NOT NULL,
    signature          VARCHAR(2000),
    reason             VARCHAR(500),
    created_at         VARCHAR(40)   NOT NULL,
    decided_at         VARCHAR(40)
);
CREATE INDEX sign_request_state ON sign_request (state);

CREATE TABLE approval (
    request_id VARCHAR(36)  NOT NULL REFERENCES sign_request (id),
    approver   VARCHAR(200) NOT NULL,
    decision   VARCHAR(16)  NOT NULL,
    comment    VARCHAR(500),
    decided_at VARCHAR(40)  NOT NULL,
    PRIMARY KEY (request_id, approver)
);

CREATE TABLE audit_log (
    seq         BIGINT        PRIMARY KEY,
    at          VARCHAR(40)   NOT NULL,
    actor       VARCHAR(200)  NOT NULL,
    roles       VARCHAR(200)  NOT NULL,
    action      VARCHAR(200)  NOT NULL,
    key_id      VARCHAR(64),
    key_version INTEGER,
    artifact    VARCHAR(200),
    decision    VARCHAR(32)   NOT NULL,
    result      VARCHAR(64)   NOT NULL,
    detail      VARCHAR(1000),
    prev_hash   VARCHAR(64)   NOT NULL,
    hash        VARCHAR(64)   NOT NULL
);
