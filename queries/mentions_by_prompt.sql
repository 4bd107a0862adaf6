-- Brand and competitor mentions in AI answers per tracked prompt (`aivis report mentions --by prompt`).
-- params: site, from, to
-- Any parameter may be NULL (no filter). Days are UTC `YYYY-MM-DD`, both ends inclusive.
-- Only ok answers count in answers/mentioned: a failed call is never "not mentioned" (failed
-- counts them apart; a group whose calls all failed shows one row with no entity).
-- share_of_voice: the entity's mentions among all tracked-entity mentions of the group.
-- avg_rank: mean rank by first appearance among the mentioned entities (1 = first).
-- aivis adds mention_rate (mentioned / answers) with its Wilson 95% interval.
WITH per_entity AS (
    SELECT a.prompt_id AS prompt_id,
           p.text AS prompt,
           m.entity AS entity,
           m.role AS role,
           COUNT(*) AS answers,
           CAST(SUM(m.mentioned) AS BIGINT) AS mentioned,
           CAST(SUM(m.mention_count) AS BIGINT) AS mentions,
           CAST(AVG(m.rank_position) AS DOUBLE PRECISION) AS avg_rank,
           CAST(AVG(m.list_position) AS DOUBLE PRECISION) AS avg_list_position
    FROM mentions m
    JOIN answers a ON a.id = m.answer_id JOIN prompts p ON p.id = a.prompt_id
    WHERE (:site IS NULL OR a.site = :site)
      AND (:from IS NULL OR a.day >= :from)
      AND (:to IS NULL OR a.day <= :to)
    GROUP BY a.prompt_id, p.text, m.entity, m.role
),
failures AS (
    SELECT a.prompt_id, p.text AS prompt,
           COUNT(*) AS failed
    FROM answers a JOIN prompts p ON p.id = a.prompt_id
    WHERE a.status = 'failed'
      AND (:site IS NULL OR a.site = :site)
      AND (:from IS NULL OR a.day >= :from)
      AND (:to IS NULL OR a.day <= :to)
    GROUP BY a.prompt_id, p.text
)
SELECT * FROM (
    SELECT t.prompt_id, t.prompt, t.entity,
           t.role,
           t.answers,
           t.mentioned,
           t.mentions,
           CAST(t.mentions AS DOUBLE PRECISION)
               / NULLIF(CAST(SUM(t.mentions) OVER (PARTITION BY t.prompt_id) AS DOUBLE PRECISION), 0) AS share_of_voice,
           t.avg_rank,
           t.avg_list_position,
           COALESCE(f.failed, 0) AS failed
    FROM per_entity t
    LEFT JOIN failures f ON f.prompt_id = t.prompt_id AND f.prompt = t.prompt
    UNION ALL
    -- Groups whose every call failed still show, with their failures.
    SELECT f.prompt_id, f.prompt, NULL, NULL, 0, 0, 0, NULL, NULL, NULL, f.failed
    FROM failures f
    WHERE NOT EXISTS (SELECT 1 FROM per_entity t WHERE f.prompt_id = t.prompt_id AND f.prompt = t.prompt)
) report
ORDER BY prompt_id, prompt, CASE WHEN role = 'brand' THEN 0 WHEN role IS NULL THEN 2 ELSE 1 END, mentioned DESC, entity
