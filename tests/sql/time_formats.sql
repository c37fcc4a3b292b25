-- time_formats: the same instants written as ISO 8601 (with offsets and fractions), RFC 2822, epoch
-- seconds, epoch milliseconds and a strftime pattern, each read into timestamptz through
-- "<column>.format"; instants across DST changes, a leap day, a new year and 1970.
-- fixture: typed_values
-- @pg:
CREATE TABLE times (label text, iso timestamptz, rfc timestamptz, s timestamptz, ms timestamptz, custom timestamptz)
  WITH (stream = 'times', format = 'json', rfc.format = 'rfc2822', s.format = 'seconds',
        ms.format = 'milliseconds-since-epoch', custom.format = '%d/%b/%Y:%H:%M:%S %z');
SELECT label, iso, rfc, s, ms, custom FROM times ORDER BY iso;
SELECT label, iso = rfc AS rfc_same, iso = s AS s_same, ms - s AS ms_offset, iso = custom AS custom_same FROM times ORDER BY iso;
SELECT label, iso AT TIME ZONE 'Europe/Berlin' AS berlin, iso AT TIME ZONE 'America/New_York' AS new_york,
       extract(epoch FROM iso) AS epoch FROM times ORDER BY iso;
SET TimeZone = 'America/New_York';
SELECT label, iso, date_trunc('day', iso) AS local_day FROM times ORDER BY iso;
SET DateStyle = 'ISO, DMY';
SELECT label, iso::date AS d FROM times ORDER BY iso;
RESET TimeZone;
RESET DateStyle;
SELECT label, iso FROM times WHERE iso >= '2024-03-31 02:00:00+01' ORDER BY iso;
