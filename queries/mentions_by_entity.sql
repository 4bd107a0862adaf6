-- Brand and competitor mentions in AI answers, all engines and prompts together (`aivis report mentions --by entity`).
-- params: site, from, to
-- Any parameter may be NULL (no filter). Days are UTC `YYYY-MM-DD`, both ends inclusive.
-- Only ok answers count in answers/mentioned: a failed call is never "not mentioned".
-- share_of_voice: the entity's mentions among all tracked-entity mentions of the group.
-- avg_rank: mean rank by first appearance among the mentioned entities (1 = first).
-- aivis adds mention_rate (mentioned / answers) with its Wilson 95% interval.
WITH per_entity AS (
    SELECT m.entity AS entity,
           m.role AS role,
           COUNT(*) AS answers,
           CAST(SUM(m.mentioned) AS BIGINT) AS mentioned,
           CAST(SUM(m.mention_count) AS BIGINT) AS mentions,
           CAST(AVG(m.rank_position) AS DOUBLE PRECISION) AS avg_rank,
           CAST(AVG(m.list_position) AS DOUBLE PRECISION) AS avg_list_position
    FROM mentions m
    JOIN answers a ON a.id = m.answer_id
    WHERE (:site IS NULL OR a.site = :site)
      AND (:from IS NULL OR a.day >= :from)
      AND (:to IS NULL OR a.day <= :to)
    GROUP BY m.entity, m.role
)
SELECT * FROM (
    SELECT t.entity,
           t.role,
           t.answers,
           t.mentioned,
           t.mentions,
           CAST(t.mentions AS DOUBLE PRECISION)
               / NULLIF(CAST(SUM(t.mentions) OVER () AS DOUBLE PRECISION), 0) AS share_of_voice,
           t.avg_rank,
           t.avg_list_position
    FROM per_entity t
) report
ORDER BY CASE WHEN role = 'brand' THEN 0 WHEN role IS NULL THEN 2 ELSE 1 END, mentioned DESC, entity
