-- "Was this helpful?" on a help article (issue 16): one vote per user and article; a user who
-- votes again changes their vote. Counted per article in the back office.
CREATE TABLE help_feedback (
    slug TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    lang TEXT NOT NULL,
    helpful BOOLEAN NOT NULL,
    voted_at BIGINT NOT NULL,
    PRIMARY KEY (slug, user_id)
);
