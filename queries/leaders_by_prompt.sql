-- Who is named first in the AI answers to each tracked prompt, per engine: for every prompt and
-- engine, the ok answers, and per tracked entity (brand or competitor) the answers that name it
-- before any other tracked entity (`led`). Used by `aivis alerts evaluate` (top_rank_lost).
-- params: site, from, to
-- Any parameter may be NULL (no filter). Days are UTC `YYYY-MM-DD`, both ends inclusive.
WITH answered AS (
    SELECT a.engine, a.prompt_id, COUNT(*) AS answers
    FROM answers a
    WHERE a.status = 'ok'
      AND (:site IS NULL OR a.site = :site)
      AND (:from IS NULL OR a.day >= :from)
      AND (:to IS NULL OR a.day <= :to)
    GROUP BY a.engine, a.prompt_id
),
leaders AS (
    SELECT a.engine, a.prompt_id, m.entity, m.role, COUNT(*) AS led
    FROM mentions m
    JOIN answers a ON a.id = m.answer_id
    WHERE a.status = 'ok'
      AND m.mentioned = 1
      AND m.rank_position = 1
      AND (:site IS NULL OR a.site = :site)
      AND (:from IS NULL OR a.day >= :from)
      AND (:to IS NULL OR a.day <= :to)
    GROUP BY a.engine, a.prompt_id, m.entity, m.role
)
SELECT w.engine, w.prompt_id, p.text AS prompt, w.answers, l.entity, l.role,
       COALESCE(l.led, 0) AS led
FROM answered w
JOIN prompts p ON p.id = w.prompt_id
LEFT JOIN leaders l ON l.engine = w.engine AND l.prompt_id = w.prompt_id
ORDER BY w.engine, w.prompt_id, led DESC, l.entity
