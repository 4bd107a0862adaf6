-- Sessions, pageviews and macro conversions per UTC day and channel, for trend charts.
-- params: site, from, to
SELECT day,
       channel,
       CAST(SUM(sessions) AS BIGINT) AS sessions,
       CAST(SUM(pageviews) AS BIGINT) AS pageviews,
       CAST(SUM(conversions) AS BIGINT) AS conversions
FROM daily_traffic
WHERE (:site IS NULL OR site = :site)
  AND (:from IS NULL OR day >= :from)
  AND (:to IS NULL OR day <= :to)
GROUP BY day, channel
ORDER BY day, channel
