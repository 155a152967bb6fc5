-- AWS IoT compatibility (dev.meerkat.fleet.aws): a job is a deployment whose payload is the job
-- document, so its deployment names no release.
ALTER TABLE deployments ALTER COLUMN release_id DROP NOT NULL;

CREATE TABLE aws_jobs (
    job_id           VARCHAR(64)    PRIMARY KEY REFERENCES deployments (id) ON DELETE CASCADE,
    document         VARCHAR(32768) NOT NULL,
    description      VARCHAR(2028),
    target_selection VARCHAR(16)    NOT NULL,
    targets          VARCHAR(8000)  NOT NULL,
    configs          VARCHAR(8000)  NOT NULL,
    reason_code      VARCHAR(128),
    cancel_comment   VARCHAR(2028),
    force_canceled   BOOLEAN        NOT NULL,
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE aws_certificates (
    certificate_id VARCHAR(64)   PRIMARY KEY,
    pem            VARCHAR(8000) NOT NULL,
    status         VARCHAR(16)   NOT NULL,
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE aws_policy_targets (
    policy_name VARCHAR(128) NOT NULL,
    target      VARCHAR(256) NOT NULL,
    PRIMARY KEY (policy_name, target)
);
