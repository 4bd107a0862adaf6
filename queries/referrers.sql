-- External referrer hosts by sessions (`aivis report referrers`): what each was classified as.
-- params: site, from, to, channel
-- Any parameter may be NULL (no filter). Days are UTC `YYYY-MM-DD`, both ends inclusive.
-- referrer_host is the lowercase host (an Android app's package name); internal referrers and
-- sessions without a referrer are not listed. With channel = 'referral' these are the hosts
-- no list or site rule names: candidates for a `[[sites.source_rules]]` entry.
SELECT site,
       referrer_host,
       channel,
       source,
       COUNT(*) AS sessions,
       CAST(SUM(converted) AS BIGINT) AS conversions,
       MIN(day) AS first_day,
       MAX(day) AS last_day
FROM sessions
WHERE referrer_host IS NOT NULL
  AND (:site IS NULL OR site = :site)
  AND (:from IS NULL OR day >= :from)
  AND (:to IS NULL OR day <= :to)
  AND (:channel IS NULL OR channel = :channel)
GROUP BY site, referrer_host, channel, source
ORDER BY sessions DESC, referrer_host, site
