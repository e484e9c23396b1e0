-- 0069_model_tiers_seed.sql
-- The dated tier table (issue #17; docs/methodology.md, "Dated tiers"). The written rule: a lab's
-- flagship leaves `frontier` from the day its lab releases the second newer flagship generation; it
-- goes to `mid` where it stays on sale in the mid price band, or to `retired` (counted under no tier)
-- when a newer model of the same lab supersedes it in its own price band. A generation is a version of
-- the lab's flagship line (o1, GPT-4.1/o3 of April 2025, GPT-5; Claude 3.5, 3.7, 4, 4.1, 4.5 ...; Gemini
-- 2.0, 2.5, 3, 3.1); a research preview (GPT-4.5) is no generation. Dates are the releases as the sample
-- files show them (OpenRouter `created`, llm-prices, LiteLLM), docs/methodology.md lists the evidence.
--
-- v2_only: a seeded row changes the tier only for methodology v2 (cpx_compute_fixings_v2 through
-- cpx_product_tier). The v1 engine reads rows with v2_only = false only (cpx_product_tier_v1), so every
-- v1 fixing and its hash stays exactly reproducible (golden tests). A correction meant for both engines
-- is a row with v2_only = false.
--
-- The foreign key to products is dropped: model products exist only once an importer has created them,
-- and the tier table is reference data written before (or without) any import. A row for a product that
-- does not exist counts nothing; the product codes are the ones src/importers/models.ts produces.
alter table model_tiers drop constraint if exists model_tiers_product_fkey;
alter table model_tiers add column v2_only boolean not null default true;

insert into model_tiers (product, effective_from, tier, reason, changed_by) values
  ('openai/gpt-4', '2024-12-17', 'retired', 'second newer OpenAI flagship generation: o1 (API 2024-12-17) after GPT-4o; superseded at a lower price by GPT-4o', 'migration 0069'),
  ('openai/gpt-4-turbo', '2024-12-17', 'retired', 'second newer OpenAI flagship generation: o1 (API 2024-12-17) after GPT-4o; superseded at a lower price by GPT-4o', 'migration 0069'),
  ('openai/gpt-4o', '2025-04-14', 'mid', 'second newer OpenAI flagship generation: GPT-4.1 (2025-04-14) after o1; stays on sale at $2.50/$10, the mid price band', 'migration 0069'),
  ('openai/gpt-4.5', '2025-07-14', 'retired', 'research preview, withdrawn from the OpenAI API on 2025-07-14 (deprecation announced with GPT-4.1)', 'migration 0069'),
  ('openai/o1', '2025-08-07', 'retired', 'second newer OpenAI flagship generation: GPT-5 (2025-08-07) after GPT-4.1/o3; superseded in its price band by o3', 'migration 0069'),
  ('anthropic/claude-3-opus', '2025-02-24', 'retired', 'second newer Anthropic flagship generation: Claude 3.7 (2025-02-24) after Claude 3.5; superseded by cheaper newer Sonnets, then Opus 4 at $15/$75', 'migration 0069'),
  ('anthropic/claude-3.5-sonnet', '2025-05-22', 'retired', 'second newer Anthropic flagship generation: Claude 4 (2025-05-22) after Claude 3.7; superseded at $3/$15 by Claude Sonnet 4', 'migration 0069'),
  ('anthropic/claude-3.7-sonnet', '2025-08-05', 'retired', 'second newer Anthropic flagship generation: Claude 4.1 (2025-08-05) after Claude 4; superseded at $3/$15 by Claude Sonnet 4', 'migration 0069'),
  ('anthropic/claude-opus-4', '2025-09-29', 'retired', 'second newer Anthropic flagship generation: Claude 4.5 (2025-09-29) after Claude 4.1; superseded at $15/$75 by Claude Opus 4.1', 'migration 0069'),
  ('anthropic/claude-sonnet-4', '2025-09-29', 'retired', 'second newer Anthropic flagship generation: Claude 4.5 (2025-09-29) after Claude 4.1; superseded at $3/$15 by Claude Sonnet 4.5', 'migration 0069'),
  ('anthropic/claude-opus-4.1', '2026-02-04', 'retired', 'second newer Anthropic flagship generation: Claude 4.6 (2026-02-04) after Claude 4.5; superseded by Claude Opus 4.5 at a third of its price', 'migration 0069'),
  ('google/gemini-1.5-pro', '2025-03-25', 'retired', 'second newer Google flagship generation: Gemini 2.5 Pro (2025-03-25) after Gemini 2.0 Pro; superseded at $1.25 input by Gemini 2.5 Pro', 'migration 0069'),
  ('google/gemini-2.0-pro', '2025-11-18', 'retired', 'second newer Google flagship generation: Gemini 3 Pro (2025-11-18) after Gemini 2.5 Pro; superseded by Gemini 2.5 Pro', 'migration 0069'),
  ('google/gemini-2.5-pro', '2026-02-19', 'mid', 'second newer Google flagship generation: Gemini 3.1 Pro (2026-02-19) after Gemini 3 Pro; stays on sale at $1.25/$10, below the newer Pros', 'migration 0069'),
  ('deepseek/deepseek-r1', '2025-12-01', 'retired', 'second newer DeepSeek flagship generation: V3.2 (2025-12-01) after V3.1 (2025-08-21), which replaced R1 behind deepseek-reasoner', 'migration 0069');
