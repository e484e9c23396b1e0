-- 0072_mappings_source_gpu.sql
-- A mapping kind for sources that name the GPU model in a column of their own (the gpu-observations
-- importer's gpu_model): key SOURCE:NAME or SOURCE:NAME#LABEL, value {product, sku?} where sku is a
-- pattern the lower-cased sku must match (a refinement, tried in position order before the plain name).
alter table mappings drop constraint mappings_kind_check;
alter table mappings add constraint mappings_kind_check
  check (kind in ('provider', 'source_provider', 'gpu_product', 'instance_type', 'vast_gpu', 'model_rule', 'exclusion', 'source_gpu'));
