-- Consistency check: daily rollups against the raw sessions table; every difference is 0.
-- params: site
SELECT s.site,
       s.day,
       s.channel,
       s.source,
       s.sessions - COALESCE(r.sessions, 0) AS sessions_diff,
       s.pageviews - COALESCE(r.pageviews, 0) AS pageviews_diff,
       s.conversions - COALESCE(r.conversions, 0) AS conversions_diff
FROM (
    SELECT site, day, channel, source,
           COUNT(*) AS sessions,
           CAST(SUM(pageviews) AS BIGINT) AS pageviews,
           CAST(SUM(converted) AS BIGINT) AS conversions
    FROM sessions
    WHERE (:site IS NULL OR site = :site)
    GROUP BY site, day, channel, source
) s
LEFT JOIN daily_traffic r
  ON r.site = s.site AND r.day = s.day AND r.channel = s.channel AND r.source = s.source
WHERE s.sessions <> COALESCE(r.sessions, 0)
   OR s.pageviews <> COALESCE(r.pageviews, 0)
   OR s.conversions <> COALESCE(r.conversions, 0)
ORDER BY s.site, s.day, s.channel, s.source
