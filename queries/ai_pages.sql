-- Which pages AI assistants read on behalf of users, and which of those send visitors
-- (`aivis report ai-pages`): per path, the user_fetch requests of AI agents (ChatGPT-User,
-- Perplexity-User, Claude-User, ...) beside the sessions AI assistants referred to it.
-- params: site, from, to
-- Any parameter may be NULL (no filter). Days are UTC `YYYY-MM-DD`, both ends inclusive.
-- ai_conversions: AI-referred sessions landing on the path that reached a macro goal.
SELECT path,
       CAST(SUM(user_fetches) AS BIGINT) AS user_fetches,
       CAST(SUM(fetch_agents) AS BIGINT) AS fetch_agents,
       CAST(SUM(ai_sessions) AS BIGINT) AS ai_sessions,
       CAST(SUM(ai_conversions) AS BIGINT) AS ai_conversions,
       CAST(SUM(ai_sources) AS BIGINT) AS ai_sources
FROM (
    SELECT path,
           SUM(hits) AS user_fetches,
           COUNT(DISTINCT agent) AS fetch_agents,
           0 AS ai_sessions,
           0 AS ai_conversions,
           0 AS ai_sources
    FROM daily_crawlers
    WHERE purpose = 'user_fetch'
      AND (:site IS NULL OR site = :site)
      AND (:from IS NULL OR day >= :from)
      AND (:to IS NULL OR day <= :to)
    GROUP BY path
    UNION ALL
    SELECT landing_path AS path,
           0 AS user_fetches,
           0 AS fetch_agents,
           COUNT(*) AS ai_sessions,
           SUM(converted) AS ai_conversions,
           COUNT(DISTINCT source) AS ai_sources
    FROM sessions
    WHERE channel = 'ai_assistant'
      AND (:site IS NULL OR site = :site)
      AND (:from IS NULL OR day >= :from)
      AND (:to IS NULL OR day <= :to)
    GROUP BY landing_path
) per_source
GROUP BY path
ORDER BY user_fetches DESC, ai_sessions DESC, path
