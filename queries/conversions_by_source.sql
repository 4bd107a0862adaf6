-- Sessions and conversions per channel and source (`aivis report conversions --by source`).
-- params: site, goal, from, to
-- Any parameter may be NULL (no filter). Days are UTC `YYYY-MM-DD`, both ends inclusive.
-- Without :goal a conversion is a session that reached at least one macro goal;
-- with :goal it is a session that reached that goal. Rates and intervals are added by aivis.
WITH traffic AS (
    SELECT channel,
           source,
           CAST(SUM(sessions) AS BIGINT) AS sessions,
           CAST(SUM(conversions) AS BIGINT) AS macro_conversions
    FROM daily_traffic
    WHERE (:site IS NULL OR site = :site)
      AND (:from IS NULL OR day >= :from)
      AND (:to IS NULL OR day <= :to)
    GROUP BY channel, source
),
goal_hits AS (
    SELECT channel,
           source,
           CAST(SUM(conversions) AS BIGINT) AS conversions
    FROM daily_goals
    WHERE goal = :goal
      AND (:site IS NULL OR site = :site)
      AND (:from IS NULL OR day >= :from)
      AND (:to IS NULL OR day <= :to)
    GROUP BY channel, source
)
SELECT t.channel,
       t.source,
       t.sessions,
       CASE WHEN :goal IS NULL THEN t.macro_conversions
            ELSE COALESCE(g.conversions, 0) END AS conversions
FROM traffic t
LEFT JOIN goal_hits g ON g.channel = t.channel AND g.source = t.source
ORDER BY t.sessions DESC, t.channel, t.source
