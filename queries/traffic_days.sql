-- The first and last day with any traffic stored (one site, or all when :site is NULL).
-- params: site
-- Used by `aivis report compare` so that days before the first ingested one shorten a window
-- instead of counting as days without visitors.
SELECT MIN(day) AS first_day,
       MAX(day) AS last_day
FROM daily_traffic
WHERE (:site IS NULL OR site = :site)
