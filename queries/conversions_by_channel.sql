-- Sessions and conversions per channel (the `aivis report conversions --by channel` report).
-- params: site, goal, from, to
-- Any parameter may be NULL (no filter). Days are UTC `YYYY-MM-DD`, both ends inclusive.
-- Without :goal a conversion is a session that reached at least one macro goal;
-- with :goal it is a session that reached that goal. Rates and intervals are added by aivis.
WITH traffic AS (
    SELECT channel,
           CAST(SUM(sessions) AS BIGINT) AS sessions,
           CAST(SUM(conversions) AS BIGINT) AS macro_conversions
    FROM daily_traffic
    WHERE (:site IS NULL OR site = :site)
      AND (:from IS NULL OR day >= :from)
      AND (:to IS NULL OR day <= :to)
    GROUP BY channel
),
goal_hits AS (
    SELECT channel,
           CAST(SUM(conversions) AS BIGINT) AS conversions
    FROM daily_goals
    WHERE goal = :goal
      AND (:site IS NULL OR site = :site)
      AND (:from IS NULL OR day >= :from)
      AND (:to IS NULL OR day <= :to)
    GROUP BY channel
)
SELECT t.channel,
       t.sessions,
       CASE WHEN :goal IS NULL THEN t.macro_conversions
            ELSE COALESCE(g.conversions, 0) END AS conversions
FROM traffic t
LEFT JOIN goal_hits g ON g.channel = t.channel
ORDER BY t.sessions DESC, t.channel
