-- AI crawler and agent requests per path (`aivis report crawlers --by path`), split by purpose.
-- params: site, from, to, purpose
-- Any parameter may be NULL (no filter). Days are UTC `YYYY-MM-DD`, both ends inclusive.
-- Paths have no query string. Every request counts, pages or not.
SELECT path,
       CAST(SUM(hits) AS BIGINT) AS hits,
       CAST(SUM(CASE WHEN purpose = 'training' THEN hits ELSE 0 END) AS BIGINT) AS training,
       CAST(SUM(CASE WHEN purpose = 'search_index' THEN hits ELSE 0 END) AS BIGINT) AS search_index,
       CAST(SUM(CASE WHEN purpose = 'user_fetch' THEN hits ELSE 0 END) AS BIGINT) AS user_fetch,
       COUNT(DISTINCT agent) AS agents,
       CAST(SUM(status_2xx) AS BIGINT) AS status_2xx,
       CAST(SUM(status_3xx) AS BIGINT) AS status_3xx,
       CAST(SUM(status_4xx) AS BIGINT) AS status_4xx,
       CAST(SUM(status_5xx) AS BIGINT) AS status_5xx
FROM daily_crawlers
WHERE (:site IS NULL OR site = :site)
  AND (:from IS NULL OR day >= :from)
  AND (:to IS NULL OR day <= :to)
  AND (:purpose IS NULL OR purpose = :purpose)
GROUP BY path
ORDER BY hits DESC, path
