-- AI crawler and agent requests per agent (`aivis report crawlers --by agent`).
-- params: site, from, to, purpose
-- Any parameter may be NULL (no filter). Days are UTC `YYYY-MM-DD`, both ends inclusive.
-- purpose: training, search_index or user_fetch. Every request counts, pages or not
-- (robots.txt, images, 404s); status_4xx and status_5xx are requests the site refused or failed.
SELECT agent,
       operator,
       purpose,
       CAST(SUM(hits) AS BIGINT) AS hits,
       COUNT(DISTINCT path) AS paths,
       COUNT(DISTINCT day) AS days,
       CAST(SUM(status_2xx) AS BIGINT) AS status_2xx,
       CAST(SUM(status_3xx) AS BIGINT) AS status_3xx,
       CAST(SUM(status_4xx) AS BIGINT) AS status_4xx,
       CAST(SUM(status_5xx) AS BIGINT) AS status_5xx
FROM daily_crawlers
WHERE (:site IS NULL OR site = :site)
  AND (:from IS NULL OR day >= :from)
  AND (:to IS NULL OR day <= :to)
  AND (:purpose IS NULL OR purpose = :purpose)
GROUP BY agent, operator, purpose
ORDER BY hits DESC, agent
