-- AI crawler and agent requests per path (`aivis report crawlers --by path`), split by purpose.
-- params: site, from, to, purpose, verification
-- Any parameter may be NULL (no filter). Days are UTC `YYYY-MM-DD`, both ends inclusive.
-- Paths have no query string. Every request counts, pages or not.
-- verification: verified, spoofed, unverifiable, or not_spoofed (verified and unverifiable).
-- hits counts every request; verified, spoofed and unverifiable split it: from the published IP
-- ranges of the agent its user agent names, from outside them (someone else using the name),
-- or not known (no published ranges for that agent, or no usable client address in the log).
SELECT path,
       CAST(SUM(hits) AS BIGINT) AS hits,
       CAST(SUM(CASE WHEN purpose = 'training' THEN hits ELSE 0 END) AS BIGINT) AS training,
       CAST(SUM(CASE WHEN purpose = 'search_index' THEN hits ELSE 0 END) AS BIGINT) AS search_index,
       CAST(SUM(CASE WHEN purpose = 'user_fetch' THEN hits ELSE 0 END) AS BIGINT) AS user_fetch,
       CAST(SUM(CASE WHEN verification = 'verified' THEN hits ELSE 0 END) AS BIGINT) AS verified,
       CAST(SUM(CASE WHEN verification = 'spoofed' THEN hits ELSE 0 END) AS BIGINT) AS spoofed,
       CAST(SUM(CASE WHEN verification = 'unverifiable' THEN hits ELSE 0 END) AS BIGINT) AS unverifiable,
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
  AND (:verification IS NULL OR verification = :verification
       OR (:verification = 'not_spoofed' AND verification <> 'spoofed'))
GROUP BY path
ORDER BY hits DESC, path
