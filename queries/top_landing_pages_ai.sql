-- Landing pages that AI assistants send visitors to, with sessions and macro conversions.
-- params: site, from, to
SELECT landing_path,
       COUNT(*) AS sessions,
       CAST(SUM(converted) AS BIGINT) AS conversions,
       COUNT(DISTINCT source) AS assistants
FROM sessions
WHERE channel = 'ai_assistant'
  AND (:site IS NULL OR site = :site)
  AND (:from IS NULL OR day >= :from)
  AND (:to IS NULL OR day <= :to)
GROUP BY landing_path
ORDER BY sessions DESC, landing_path
LIMIT 50
