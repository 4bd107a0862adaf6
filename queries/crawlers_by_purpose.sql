-- AI crawler and agent requests per purpose (`aivis report crawlers --by purpose`):
-- training (collecting training data), search_index (building an AI answer engine's index),
-- user_fetch (an assistant reading the page to answer someone right now).
-- params: site, from, to, purpose
-- Any parameter may be NULL (no filter). Days are UTC `YYYY-MM-DD`, both ends inclusive.
SELECT purpose,
       COUNT(DISTINCT agent) AS agents,
       CAST(SUM(hits) AS BIGINT) AS hits,
       COUNT(DISTINCT path) AS paths,
       CAST(SUM(status_2xx) AS BIGINT) AS status_2xx,
       CAST(SUM(status_3xx) AS BIGINT) AS status_3xx,
       CAST(SUM(status_4xx) AS BIGINT) AS status_4xx,
       CAST(SUM(status_5xx) AS BIGINT) AS status_5xx
FROM daily_crawlers
WHERE (:site IS NULL OR site = :site)
  AND (:from IS NULL OR day >= :from)
  AND (:to IS NULL OR day <= :to)
  AND (:purpose IS NULL OR purpose = :purpose)
GROUP BY purpose
ORDER BY hits DESC, purpose
