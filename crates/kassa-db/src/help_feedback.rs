//! "Was this helpful?" votes on help articles (issue 16): one per user and article, kept by
//! the table's key, so repeated or concurrent votes of one user count once (the last one
//! wins).

use crate::{on_pool, on_writer, Db, Result};

/// One article's votes.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HelpFeedbackRow {
    pub slug: String,
    pub helpful: i64,
    pub not_helpful: i64,
}

impl Db {
    /// Records `user_id`'s vote on article `slug`, replacing an earlier one.
    pub async fn vote_help(&self, slug: &str, user_id: i64, lang: &str, helpful: bool, now: i64) -> Result<()> {
        let sql = "INSERT INTO help_feedback (slug, user_id, lang, helpful, voted_at) VALUES ($1, $2, $3, $4, $5) \
                   ON CONFLICT (slug, user_id) DO UPDATE SET lang = excluded.lang, helpful = excluded.helpful, \
                   voted_at = excluded.voted_at";
        on_writer!(self, p => sqlx::query(sql)
            .bind(slug)
            .bind(user_id)
            .bind(lang)
            .bind(helpful)
            .bind(now)
            .execute(p)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// `user_id`'s vote on `slug`, if any.
    pub async fn help_vote_of(&self, slug: &str, user_id: i64) -> Result<Option<bool>> {
        let sql = "SELECT helpful FROM help_feedback WHERE slug = $1 AND user_id = $2";
        let row: Option<(bool,)> =
            on_pool!(self, p => sqlx::query_as(sql).bind(slug).bind(user_id).fetch_optional(p).await)?;
        Ok(row.map(|(h,)| h))
    }

    /// The votes of every article voted on, by slug.
    pub async fn help_feedback(&self) -> Result<Vec<HelpFeedbackRow>> {
        let sql = "SELECT slug, \
                   CAST(SUM(CASE WHEN helpful THEN 1 ELSE 0 END) AS BIGINT) AS helpful, \
                   CAST(SUM(CASE WHEN helpful THEN 0 ELSE 1 END) AS BIGINT) AS not_helpful \
                   FROM help_feedback GROUP BY slug ORDER BY slug";
        Ok(on_pool!(self, p => sqlx::query_as(sql).fetch_all(p).await)?)
    }
}
