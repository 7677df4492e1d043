-- Reference numbers are zero-padded to 6 digits but never cut: lpad() alone
-- truncates past 999,999 and made references collide at national scale.
create function reference_number(n bigint) returns text
    language sql immutable strict
    return lpad(n::text, greatest(6, length(n::text)), '0');
