-- The first and last day with an ok prompt-check answer (one site, or all when :site is NULL).
-- params: site
-- Used by `aivis alerts evaluate` so that days before the first check shorten a window.
SELECT MIN(day) AS first_day,
       MAX(day) AS last_day
FROM answers
WHERE status = 'ok'
  AND (:site IS NULL OR site = :site)
