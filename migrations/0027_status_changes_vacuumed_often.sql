-- The differences of migration 0026 are appended and deleted all day (a
-- fold every few seconds): vacuumed once a thousand rows died, not once a
-- fifth of the table did, or a dashboard's count walks the dead entries of
-- its school in the index (5,000 of them: 37 µs -> 220 µs).
alter table school_status_changes set (
    autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 1000,
    autovacuum_vacuum_insert_scale_factor = 0
);
