-- 0071_model_tiers_more.sql
-- The rest of the dated tier table (issue #17; docs/methodology.md, "Dated tiers"): the written rule of
-- 0069 applied to every model the mapping seed (0066) tags frontier that 0069 left undecided, with the
-- generation list per lab made explicit. A flagship leaves `frontier` from the day its lab releases the
-- second newer flagship generation; it goes to `mid` when it stays on sale with an input price in the mid
-- band (about $1-3 per 1M) and no newer model of the same lab and family sells at its price, else to
-- `retired`; a closed model its lab withdraws is retired on the withdrawal day. Generations decided here:
-- OpenAI GPT-5, 5.1, 5.2, 5.4, 5.5, 5.6 (GPT-5.3 reached the API only as a Chat and a Codex build: no
-- generation, its model leaves with GPT-5.2); Anthropic 4.7 (Opus 4.7), 4.8 (Opus 4.8), 5 (Fable 5, the
-- first 5); xAI Grok 2, 3, 4, 4.20, 4.3, 4.5, 4.6 (Grok 4.1 reached the API only as 4.1 Fast: no
-- generation); Qwen's Max line Qwen2.5-Max (qwen-max), Qwen3-Max, 3.6, 3.7, 3.8 (no 3.5 Max); DeepSeek V4;
-- Mistral Large 1, 2, 3. Dates are the sample files' (OpenRouter `created`, LiteLLM `deprecation_date`,
-- llm-prices and genai-prices start dates), else the lab's announcement; docs/methodology.md has the
-- table with the evidence and the list of frontier models that stay frontier, with why.
--
-- Every row is v2_only (the column's default, said here): the v1 engine does not read them, so every v1
-- fixing and hash is unchanged (test/dated-tiers.test.ts deletes them and recomputes; golden tests).
insert into model_tiers (product, effective_from, tier, reason, changed_by, v2_only) values
  -- OpenAI
  ('openai/gpt-4.1', '2025-11-13', 'mid', 'second newer OpenAI flagship generation: GPT-5.1 (2025-11-13) after GPT-5, both after GPT-4.1/o3; stays on sale at $2/$8, no newer GPT-4 at that price', 'migration 0071', true),
  ('openai/o3', '2025-11-13', 'mid', 'second newer OpenAI flagship generation: GPT-5.1 (2025-11-13) after GPT-5, both after GPT-4.1/o3; stays on sale at $2/$8 (its price since 2025-06-10), no newer o-series model', 'migration 0071', true),
  ('openai/gpt-5', '2025-12-10', 'retired', 'second newer OpenAI flagship generation: GPT-5.2 (2025-12-10) after GPT-5.1; superseded at the same $1.25/$10 by GPT-5.1', 'migration 0071', true),
  ('openai/gpt-5.1', '2026-03-05', 'mid', 'second newer OpenAI flagship generation: GPT-5.4 (2026-03-05) after GPT-5.2 (GPT-5.3 no generation); stays on sale at $1.25/$10, no newer GPT-5 at that price', 'migration 0071', true),
  ('openai/gpt-5.2', '2026-04-24', 'retired', 'second newer OpenAI flagship generation: GPT-5.5 (2026-04-24) after GPT-5.4; superseded at the same $1.75/$14 by GPT-5.3 Chat', 'migration 0071', true),
  ('openai/gpt-5.3', '2026-04-24', 'mid', 'GPT-5.3 (Chat and Codex builds only) is no generation and leaves frontier with GPT-5.2: GPT-5.5 (2026-04-24) after GPT-5.4; stays on sale at $1.75/$14', 'migration 0071', true),
  ('openai/gpt-5.4', '2026-07-09', 'retired', 'second newer OpenAI flagship generation: GPT-5.6 (2026-07-09) after GPT-5.5; superseded at the same $2.50/$15 by GPT-5.6 Terra', 'migration 0071', true),
  -- Anthropic
  ('anthropic/claude-sonnet-4.1', '2026-02-04', 'retired', 'second newer Anthropic flagship generation: Claude 4.6 (2026-02-04) after Claude 4.5; superseded at the same $3/$15 by Claude Sonnet 4.5', 'migration 0071', true),
  ('anthropic/claude-opus-4.5', '2026-04-16', 'retired', 'second newer Anthropic flagship generation: Claude 4.7 (Opus 4.7, 2026-04-16) after Claude 4.6; superseded at the same $5/$25 by Claude Opus 4.6', 'migration 0071', true),
  ('anthropic/claude-sonnet-4.5', '2026-04-16', 'retired', 'second newer Anthropic flagship generation: Claude 4.7 (Opus 4.7, 2026-04-16) after Claude 4.6; superseded at the same $3/$15 by Claude Sonnet 4.6', 'migration 0071', true),
  ('anthropic/claude-opus-4.6', '2026-05-27', 'retired', 'second newer Anthropic flagship generation: Claude 4.8 (Opus 4.8, 2026-05-27) after Claude 4.7; superseded at the same $5/$25 by Claude Opus 4.7', 'migration 0071', true),
  ('anthropic/claude-sonnet-4.6', '2026-05-27', 'mid', 'second newer Anthropic flagship generation: Claude 4.8 (Opus 4.8, 2026-05-27) after Claude 4.7; stays on sale at $3/$15, no newer Sonnet yet', 'migration 0071', true),
  ('anthropic/claude-sonnet-4.6', '2026-09-01', 'retired', 'superseded in its price band: Claude Sonnet 5 sells at the same $3/$15 from 2026-09-01 (its launch price $2/$10 ended)', 'migration 0071', true),
  ('anthropic/claude-opus-4.7', '2026-06-09', 'retired', 'second newer Anthropic flagship generation: Claude 5 (Fable 5, 2026-06-09) after Claude 4.8; superseded at the same $5/$25 by Claude Opus 4.8', 'migration 0071', true),
  -- Google
  ('google/gemini-3-pro', '2026-03-09', 'retired', 'withdrawn from the Gemini API on 2026-03-09 (Vertex AI 2026-03-26); superseded at the same $2/$12 by Gemini 3.1 Pro', 'migration 0071', true),
  ('google/gemini-2.0-flash', '2026-06-01', 'retired', 'withdrawn from the Gemini API and Vertex AI on 2026-06-01', 'migration 0071', true),
  ('google/gemini-2.0-flash-lite', '2026-06-01', 'retired', 'withdrawn from the Gemini API and Vertex AI on 2026-06-01', 'migration 0071', true),
  -- xAI
  ('x-ai/grok-2', '2025-07-09', 'retired', 'second newer xAI flagship generation: Grok 4 (2025-07-09) after Grok 3; grok-2-1212 is deprecated by xAI', 'migration 0071', true),
  ('x-ai/grok-3', '2026-03-31', 'retired', 'second newer xAI flagship generation: Grok 4.20 (2026-03-31) after Grok 4 (Grok 4.1 no generation); superseded at the same $3/$15 by Grok 4', 'migration 0071', true),
  ('x-ai/grok-3-mini', '2026-02-28', 'retired', 'withdrawn from the xAI API on 2026-02-28', 'migration 0071', true),
  ('x-ai/grok-4', '2026-04-30', 'mid', 'second newer xAI flagship generation: Grok 4.3 (2026-04-30) after Grok 4.20; stays on sale at $3/$15 until its withdrawal, no newer Grok at that price', 'migration 0071', true),
  ('x-ai/grok-4', '2026-05-15', 'retired', 'withdrawn from the xAI API on 2026-05-15', 'migration 0071', true),
  ('x-ai/grok-4.20', '2026-07-08', 'retired', 'second newer xAI flagship generation: Grok 4.5 (2026-07-08) after Grok 4.3; superseded at the same $1.25/$2.50 by Grok 4.3', 'migration 0071', true),
  ('x-ai/grok-4.3', '2026-08-12', 'mid', 'second newer xAI flagship generation: Grok 4.6 (2026-08-12) after Grok 4.5; stays on sale at $1.25/$2.50, no newer Grok at that price', 'migration 0071', true),
  -- DeepSeek
  ('deepseek/deepseek-v3', '2025-12-01', 'retired', 'second newer DeepSeek flagship generation: V3.2 (2025-12-01) after V3.1 (2025-08-21), which replaced V3 behind deepseek-chat', 'migration 0071', true),
  ('deepseek/deepseek-v3.1', '2026-04-24', 'retired', 'second newer DeepSeek flagship generation: V4 (2026-04-24) after V3.2; superseded below its price by V3.2, under the mid band', 'migration 0071', true),
  ('deepseek/deepseek-chat-v3.1', '2026-04-24', 'retired', 'second newer DeepSeek flagship generation: V4 (2026-04-24) after V3.2; superseded below its price by V3.2, under the mid band', 'migration 0071', true),
  ('deepseek/deepseek-v3.1-terminus', '2026-04-24', 'retired', 'second newer DeepSeek flagship generation: V4 (2026-04-24) after V3.2 (Terminus is a V3.1 update); superseded below its price by V3.2, under the mid band', 'migration 0071', true),
  -- Qwen (the Max line is the flagship)
  ('qwen/qwen-max', '2026-04-27', 'mid', 'second newer Qwen flagship generation: Qwen3.6-Max (2026-04-27) after Qwen3-Max, both after Qwen2.5-Max (qwen-max); stays on sale at $1.60/$6.40', 'migration 0071', true),
  ('qwen/qwen3-max', '2026-05-21', 'mid', 'second newer Qwen flagship generation: Qwen3.7-Max (2026-05-21) after Qwen3.6-Max; stays on sale at $1.20/$6, no newer Max at that price', 'migration 0071', true),
  ('qwen/qwen3.6-max', '2026-08-03', 'mid', 'second newer Qwen flagship generation: Qwen3.8-Max (2026-08-03) after Qwen3.7-Max; stays on sale at $1.04/$6.24, no newer Max at that price', 'migration 0071', true);
