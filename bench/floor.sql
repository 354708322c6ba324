-- The DuckDB floor: the headline indicators computed straight from the landing files, with nothing else
-- (no archive, registry, validation, pseudonymisation, batches, tests or publication). The pipeline is timed
-- against this. {referrals}, {child_protection} and {care_episodes} are lists of CSV files (XLSX files are
-- converted first by bench/floor.py), and {period_end} is the date the indicators are taken at.
create temporary table referrals as
select
    regexp_extract(filename, '([A-Z]+)_referrals_(\d{{4}}-\d{{2}})', 1) as trust,
    regexp_extract(filename, '_(\d{{4}}-\d{{2}})\.', 1) as period,
    filename,
    row_number() over () as file_row,
    coalesce(referral_id, '') as record_id,
    cast(coalesce(try_strptime(referral_date, '%Y-%m-%d'), try_strptime(referral_dt, '%d/%m/%Y')) as date)
        as referral_date,
    record_status in ('deleted', '9') as is_deleted
from read_csv({referrals}, union_by_name = true, filename = true, all_varchar = true, header = true);

create temporary table registrations as
select
    regexp_extract(filename, '([A-Z]+)_child_protection_', 1) as trust,
    regexp_extract(filename, '_(\d{{4}}-\d{{2}})\.', 1) as period,
    filename,
    row_number() over () as file_row,
    registration_id as record_id,
    coalesce(child_id, client_no) as child_id,
    cast(coalesce(try_strptime(registration_date, '%Y-%m-%d'), try_strptime(registration_dt, '%d/%m/%Y'))
        as date) as registration_date,
    cast(coalesce(try_strptime(deregistration_date, '%Y-%m-%d'), try_strptime(deregistration_dt, '%d/%m/%Y'))
        as date) as deregistration_date,
    record_status in ('deleted', '9') as is_deleted
from read_csv({child_protection}, union_by_name = true, filename = true, all_varchar = true, header = true);

create temporary table episodes as
select
    regexp_extract(filename, '([A-Z]+)_care_episodes_', 1) as trust,
    regexp_extract(filename, '_(\d{{4}}-\d{{2}})\.', 1) as period,
    filename,
    row_number() over () as file_row,
    episode_id as record_id,
    coalesce(child_id, client_no) as child_id,
    cast(coalesce(try_strptime(start_date, '%Y-%m-%d'), try_strptime(start_dt, '%d/%m/%Y')) as date) as start_date,
    cast(coalesce(try_strptime(end_date, '%Y-%m-%d'), try_strptime(end_dt, '%d/%m/%Y')) as date) as end_date,
    record_status in ('deleted', '9') as is_deleted
from read_csv({care_episodes}, union_by_name = true, filename = true, all_varchar = true, header = true);

-- the latest version of each record: the latest period, then the latest file (its landing folder), then row
with latest_referrals as (
    select * from referrals
    qualify row_number() over (partition by trust, record_id order by period desc, filename desc, file_row desc) = 1
),
latest_registrations as (
    select * from registrations
    qualify row_number() over (partition by trust, record_id order by period desc, filename desc, file_row desc) = 1
),
latest_episodes as (
    select * from episodes
    qualify row_number() over (partition by trust, record_id order by period desc, filename desc, file_row desc) = 1
)
select 'referrals_12_months' as indicator, trust, count(*) as value
from latest_referrals
where not is_deleted
    and referral_date > date '{period_end}' - interval 12 month and referral_date <= date '{period_end}'
group by trust
union all
select 'cp_register', trust, count(distinct child_id)
from latest_registrations
where not is_deleted and registration_date <= date '{period_end}'
    and (deregistration_date is null or deregistration_date > date '{period_end}')
group by trust
union all
select 'looked_after', trust, count(distinct child_id)
from latest_episodes
where not is_deleted and start_date <= date '{period_end}' and (end_date is null or end_date > date '{period_end}')
group by trust
order by indicator, trust;
