-- The audit trail becomes a hash chain in the signing service's format (verified by
-- `meerkat audit verify`). Every entry stores the previous entry's hash and its own; the single
-- chain head row is locked by each writer right before its commit, so entries are numbered
-- 1, 2, 3... in commit order across all replicas. Entries written before this version are
-- chained once by the service at its next start (legacy_pending), renumbered without gaps.

ALTER TABLE audit_log ADD COLUMN prev_hash VARCHAR(64);
ALTER TABLE audit_log ADD COLUMN hash VARCHAR(64);

CREATE TABLE audit_chain_head (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    seq            BIGINT NOT NULL,
    hash           VARCHAR(64) NOT NULL,
    legacy_pending BOOLEAN NOT NULL
);

INSERT INTO audit_chain_head (id, seq, hash, legacy_pending)
SELECT 1, 0, '0000000000000000000000000000000000000000000000000000000000000000',
       EXISTS (SELECT 1 FROM audit_log);

-- Signed statements "entry seq has hash h", made by the service's checkpoint key (replicas share
-- one key; a replica holding another key signs its own checkpoints, never answers with another's).
CREATE TABLE audit_checkpoint (
    seq       BIGINT NOT NULL,
    hash      VARCHAR(64) NOT NULL,
    at        VARCHAR(40) NOT NULL,
    key_id    VARCHAR(64) NOT NULL,
    signature VARCHAR(200) NOT NULL,
    PRIMARY KEY (seq, key_id)
);
