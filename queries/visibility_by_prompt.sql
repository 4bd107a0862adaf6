-- The brand's visibility per tracked prompt and engine (`aivis report visibility`): how often
-- the answers name the brand, and how often (and how high) the brand's own URLs are among the
-- links, side by side for every engine that was asked the same prompt. For an `html` engine
-- pointed at a search results page (a SearXNG instance, say) the links are the result links in
-- page order, so link rank 1 is the top result: the query's search visibility beside its AI
-- visibility.
-- params: site, from, to
-- Any parameter may be NULL (no filter). Days are UTC `YYYY-MM-DD`, both ends inclusive.
-- Only ok answers count in answers; failed calls are counted apart (a prompt and engine whose
-- every call failed still shows, with answers 0).
-- brand_mentioned: answers that name the brand; avg_mention_rank: its mean rank by first
-- appearance among the tracked entities, over those answers (1 = named first).
-- answers_linking_brand: answers with a brand-owned URL among their links (provider citations
-- or result links first, then links in the text); best_link_rank / avg_link_rank: position of
-- the first brand-owned link among them (1 = first link), best and mean over those answers.
-- aivis adds mention_rate and link_rate, each with its Wilson 95% interval.
WITH brand_links AS (
    SELECT c.answer_id, MIN(c.position) AS first_position
    FROM citations c
    WHERE c.owner_role = 'brand'
    GROUP BY c.answer_id
),
per_answer AS (
    SELECT a.prompt_id,
           p.text AS prompt,
           a.engine,
           a.kind,
           COALESCE(m.mentioned, 0) AS mentioned,
           m.rank_position,
           l.first_position
    FROM answers a
    JOIN prompts p ON p.id = a.prompt_id
    LEFT JOIN mentions m ON m.answer_id = a.id AND m.role = 'brand'
    LEFT JOIN brand_links l ON l.answer_id = a.id
    WHERE a.status = 'ok'
      AND (:site IS NULL OR a.site = :site)
      AND (:from IS NULL OR a.day >= :from)
      AND (:to IS NULL OR a.day <= :to)
),
per_group AS (
    SELECT prompt_id, prompt, engine, kind,
           COUNT(*) AS answers,
           CAST(SUM(mentioned) AS BIGINT) AS brand_mentioned,
           CAST(AVG(rank_position) AS DOUBLE PRECISION) AS avg_mention_rank,
           CAST(SUM(CASE WHEN first_position IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS answers_linking_brand,
           CAST(MIN(first_position) AS BIGINT) AS best_link_rank,
           CAST(AVG(first_position) AS DOUBLE PRECISION) AS avg_link_rank
    FROM per_answer
    GROUP BY prompt_id, prompt, engine, kind
),
failures AS (
    SELECT a.prompt_id, p.text AS prompt, a.engine, a.kind,
           COUNT(*) AS failed
    FROM answers a
    JOIN prompts p ON p.id = a.prompt_id
    WHERE a.status = 'failed'
      AND (:site IS NULL OR a.site = :site)
      AND (:from IS NULL OR a.day >= :from)
      AND (:to IS NULL OR a.day <= :to)
    GROUP BY a.prompt_id, p.text, a.engine, a.kind
)
SELECT * FROM (
    SELECT g.prompt_id, g.engine, g.kind, g.answers,
           COALESCE(f.failed, 0) AS failed,
           g.brand_mentioned, g.avg_mention_rank,
           g.answers_linking_brand, g.best_link_rank, g.avg_link_rank,
           g.prompt
    FROM per_group g
    LEFT JOIN failures f
           ON f.prompt_id = g.prompt_id AND f.engine = g.engine AND f.kind = g.kind
    UNION ALL
    SELECT f.prompt_id, f.engine, f.kind, 0, f.failed, 0, NULL, 0, NULL, NULL, f.prompt
    FROM failures f
    WHERE NOT EXISTS (
        SELECT 1 FROM per_group g
        WHERE g.prompt_id = f.prompt_id AND g.engine = f.engine AND g.kind = f.kind
    )
) report
ORDER BY prompt_id, engine, kind
