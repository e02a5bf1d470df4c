/**
 * Deterministic demo warehouse for `metricat init --demo` and for tests.
 *
 * `DEMO_WAREHOUSE_SQL` is a list of DuckDB statements, run in order on one connection with the
 * schema `main` current. Each one is a `CREATE OR REPLACE TABLE ... AS SELECT`, so running the
 * list again rebuilds the warehouse. Randomness comes only from `hash(hash(key, 'salt'))` (never
 * `random()`), so the same DuckDB version produces the same rows on every machine and thread
 * count. Time span: 36 months, 2023-11-01 .. 2026-10-31; "today" is 2026-10-31. Money is USD,
 * numeric values are DOUBLE, timestamps are TIMESTAMP (UTC) and calendar days are DATE.
 *
 * The story: a B2B SaaS company with three plans (starter, pro, enterprise), sold in four regions
 * (EU, NA, APAC, LATAM; APAC and LATAM grow fastest) through four acquisition channels (web
 * self-serve, partner, sales, app = mobile app stores). New signups grow ~3.5% a month with
 * seasonality (strong Jan-Mar and Sep-Nov, weak Jul-Aug and December); usage has weekly
 * seasonality (quiet weekends). An AI assistant feature launches on 2025-03-01; a compute savings
 * plan cuts compute cost from 2025-06-01; a database migration nearly doubles database cost on
 * 2026-03-02 .. 2026-03-15.
 *
 * Tables (all in `main`):
 *
 * subscriptions — monthly snapshot: one row per subscription per month in which it is billed
 *   (~70k rows, ~5k subscriptions, one subscription per customer). `sum(mrr)` grouped by
 *   `snapshot_month` is MRR; a cancelled subscription keeps its row in the month of cancellation
 *   (still billed that month, `is_churned = true`) and has no rows afterwards. Customers acquired
 *   before 2023-11 (the opening book) appear from the first snapshot with their real start dates.
 *   snapshot_month DATE (first day of month), subscription_id BIGINT, customer_id BIGINT,
 *   plan VARCHAR (plan in force that month), seats INTEGER, mrr DOUBLE (monthly-normalised:
 *   annual contracts are billed yearly at a 15% discount, counted as 1/12 per month),
 *   billing_interval VARCHAR (monthly|annual), region VARCHAR, channel VARCHAR (acquisition
 *   channel), started_at DATE, start_month DATE, canceled_at DATE (cancellation date, NULL if
 *   never cancelled; same value on every row of the subscription), is_new BOOLEAN (first billed
 *   month), is_churned BOOLEAN (cancelled this month; last row), months_since_start INTEGER.
 *
 * subscription_changes — MRR movement ledger (~9k rows), 2023-11 onward: change_id BIGINT,
 *   changed_at DATE, subscription_id BIGINT, customer_id BIGINT, change_type VARCHAR
 *   (new|expansion|contraction|churn), plan_before VARCHAR (NULL for new), plan_after VARCHAR
 *   (NULL for churn), seats_before INTEGER, seats_after INTEGER, mrr_before DOUBLE,
 *   mrr_after DOUBLE, mrr_delta DOUBLE (= mrr_after - mrr_before; negative for contraction and
 *   churn), region VARCHAR, channel VARCHAR. A `churn` row is dated on the cancellation date; the
 *   MRR it removes is still in the snapshot of that month. The opening book has no `new` rows.
 *
 * orders — every invoiced order (~300k rows): subscription invoices (one per month for monthly
 *   billing, one per 12 months for annual billing) plus one-off purchases (usage credits, add-ons,
 *   professional services). order_id BIGINT, ordered_at TIMESTAMP, customer_id BIGINT,
 *   subscription_id BIGINT, region VARCHAR, channel VARCHAR, plan VARCHAR (plan at order time),
 *   product_line VARCHAR (subscription|usage|add_on|services), payment_method VARCHAR
 *   (card|paypal|invoice), quantity INTEGER, unit_price DOUBLE, gross_amount DOUBLE,
 *   discount DOUBLE, amount DOUBLE (net = gross_amount - discount), currency VARCHAR (always USD),
 *   status VARCHAR (completed|refunded|cancelled).
 *
 * user_events — product analytics events (~315k rows) of the users of subscribed accounts:
 *   event_id BIGINT, occurred_at TIMESTAMP, user_id BIGINT, customer_id BIGINT,
 *   subscription_id BIGINT, event_name VARCHAR (session_started, page_viewed, dashboard_viewed,
 *   report_created, alert_configured, data_exported, api_request, ai_question_asked),
 *   feature VARCHAR (dashboards|reports|alerts|exports|api|ai_assistant; NULL for session and page
 *   events), platform VARCHAR (web|desktop|ios|android|api), is_internal BOOLEAN (staff sessions,
 *   e.g. support impersonation, ~1.5%), region VARCHAR, channel VARCHAR, plan VARCHAR.
 *
 * tickets — support tickets (~6k rows): ticket_id BIGINT, created_at TIMESTAMP,
 *   first_response_at TIMESTAMP, resolved_at TIMESTAMP (NULL while open), status VARCHAR
 *   (open|pending|resolved), priority VARCHAR (urgent|high|normal|low), category VARCHAR
 *   (how_to|bug|billing|feature_request|account|outage), source VARCHAR
 *   (email|chat|web_form|phone), assigned_team VARCHAR (tier1|tier2|engineering),
 *   csat_score INTEGER (1-5, NULL when unanswered or open), customer_id BIGINT,
 *   subscription_id BIGINT, region VARCHAR, channel VARCHAR, plan VARCHAR.
 *
 * opportunities — sales CRM opportunities as of 2026-10-31 (~3k rows): opportunity_id BIGINT,
 *   created_at DATE, close_date DATE (actual close date when closed, expected close date when
 *   open; open deals whose date has passed have slipped), stage VARCHAR (prospecting,
 *   qualification, proposal, negotiation, closed_won, closed_lost), is_closed BOOLEAN,
 *   is_won BOOLEAN, amount DOUBLE (annual contract value), probability DOUBLE (0..1, by stage),
 *   deal_type VARCHAR (new_business|expansion), plan VARCHAR (pro|enterprise), region VARCHAR,
 *   channel VARCHAR (lead source), sales_rep VARCHAR.
 *
 * infra_costs — daily cloud and tooling cost (~57k rows): cost_date DATE, provider VARCHAR
 *   (aws|datadog|cloudflare|openai), service VARCHAR (compute, database, storage, network,
 *   observability, cdn, ai_inference), team VARCHAR (platform|data|product), region VARCHAR,
 *   environment VARCHAR (production|staging), cost_usd DOUBLE.
 */

/** Table names created by `DEMO_WAREHOUSE_SQL`, in creation order. */
export const DEMO_TABLES: string[] = [
  'subscriptions',
  'subscription_changes',
  'orders',
  'user_events',
  'tickets',
  'opportunities',
  'infra_costs',
]

/** First and last day covered by the demo data. */
export const DEMO_START = '2023-11-01'
export const DEMO_END = '2026-10-31'

const START = `DATE '${DEMO_START}'`
const END_TS = `TIMESTAMP '${DEMO_END} 23:59:59'`
/** Number of snapshot months (2023-11 .. 2026-10). */
const MONTHS = 36

/**
 * Deterministic 64-bit hash of the keys and a salt. `hash(k, 'salt')` alone is not enough: DuckDB
 * combines the hashes of its arguments cheaply, so the same key under two salts gives strongly
 * correlated values (corr ~0.99); hashing the combined hash again decorrelates them.
 */
function h(salt: string, ...keys: string[]): string {
  return `hash(hash(${keys.join(', ')}, '${salt}'))`
}

/** Deterministic uniform number in (0, 1) from the keys and a salt. */
function u(salt: string, ...keys: string[]): string {
  return `((${h(salt, ...keys)} >> 11)::DOUBLE + 0.5) / 9007199254740992::DOUBLE`
}

/** Deterministic standard normal (Box-Muller). */
function z(salt: string, ...keys: string[]): string {
  return `(sqrt(-2 * ln(${u(salt + '_a', ...keys)})) * cos(2 * pi() * ${u(salt + '_b', ...keys)}))`
}

/** Month-of-year factor (index 1 = January) for signups and purchases. */
const SEASON_SALES = '([0.95, 0.9, 1.0, 0.85, 0.85, 0.8, 0.7, 0.65, 0.9, 1.0, 0.95, 0.7]::DOUBLE[])'
/** Month-of-year factor for product usage (holidays in August and December). */
const SEASON_USAGE = '([0.95, 1.0, 1.0, 0.95, 0.95, 0.9, 0.85, 0.75, 0.95, 1.0, 1.0, 0.75]::DOUBLE[])'

/**
 * Full history of every subscription month (including months before the window for the opening
 * book), with plan, seats and MRR. Shared by `subscriptions` and `subscription_changes`.
 * `m` is the month index relative to 2023-11 (0 .. 35); `k` the months since start.
 */
const SUB_HISTORY_CTES = `
cand AS (
  SELECT i,
    i >= 4800 AS legacy,
    ${u('s_start', 'i')} AS u_start,
    ${u('s_keep', 'i')} AS u_keep,
    ${u('s_life', 'i')} AS u_life,
    ${u('s_plan', 'i')} AS u_plan,
    ${u('s_chan', 'i')} AS u_chan,
    ${u('s_reg', 'i')} AS u_reg,
    ${u('s_bill', 'i')} AS u_bill,
    ${u('s_seat', 'i')} AS u_seat,
    ${u('s_day', 'i')} AS u_day,
    ${u('s_cday', 'i')} AS u_cday
  FROM range(0, 6000) t(i)
),
timed AS (
  SELECT *,
    CASE WHEN legacy THEN -1 - floor(u_start * 24)::INTEGER
         ELSE floor(ln(1 + u_start * (exp(0.035 * ${MONTHS}) - 1)) / 0.035)::INTEGER END AS m_start,
    CASE WHEN u_plan < 0.55 THEN 0 WHEN u_plan < 0.88 THEN 1 ELSE 2 END AS plan0
  FROM cand
),
shaped AS (
  SELECT *,
    m_start + 1 + floor(ln(u_life) / ln(1 - ([0.035, 0.02, 0.01]::DOUBLE[])[plan0 + 1]))::INTEGER AS end_m,
    (m_start + 24) / 60.0 AS vintage
  FROM timed
  WHERE legacy OR u_keep < ${SEASON_SALES}[((m_start + 1210) % 12) + 1]
),
subs AS (
  SELECT *,
    row_number() OVER (ORDER BY m_start, i) AS customer_id,
    100000 + row_number() OVER (ORDER BY m_start, i) AS subscription_id,
    end_m <= ${MONTHS - 1} AS churned,
    least(end_m, ${MONTHS - 1}) AS last_m,
    CASE WHEN u_reg < 0.10 + 0.12 * vintage THEN 'APAC'
         WHEN u_reg < 0.15 + 0.22 * vintage THEN 'LATAM'
         WHEN u_reg < 0.57 + 0.10 * vintage THEN 'NA'
         ELSE 'EU' END AS region,
    CASE plan0
      WHEN 0 THEN CASE WHEN u_chan < 0.55 THEN 'web' WHEN u_chan < 0.85 THEN 'app' WHEN u_chan < 0.97 THEN 'partner' ELSE 'sales' END
      WHEN 1 THEN CASE WHEN u_chan < 0.40 THEN 'web' WHEN u_chan < 0.55 THEN 'app' WHEN u_chan < 0.80 THEN 'partner' ELSE 'sales' END
      ELSE CASE WHEN u_chan < 0.65 THEN 'sales' WHEN u_chan < 0.90 THEN 'partner' ELSE 'web' END
    END AS channel,
    u_bill < ([0.15, 0.35, 0.80]::DOUBLE[])[plan0 + 1] AS annual,
    CASE plan0
      WHEN 0 THEN 1 + floor(pow(u_seat, 2) * 5)
      WHEN 1 THEN 3 + floor(pow(u_seat, 2) * 23)
      ELSE 15 + floor(pow(u_seat, 1.5) * 140)
    END::DOUBLE AS seats0,
    ((${START} + to_months(m_start))::DATE + floor(u_day * 28)::INTEGER) AS started_at,
    CASE WHEN end_m <= ${MONTHS - 1}
      THEN (${START} + to_months(end_m))::DATE + floor(u_cday * 28)::INTEGER END AS canceled_at
  FROM shaped
  WHERE end_m >= 0
),
sub_months AS (
  SELECT s.*, r.m, r.m - s.m_start AS k,
    ${u('sm_ev', 's.subscription_id', 'r.m')} AS u_ev,
    ${u('sm_f', 's.subscription_id', 'r.m')} AS u_f,
    ${u('sm_up', 's.subscription_id', 'r.m')} AS u_up
  FROM subs s JOIN range(-24, ${MONTHS}) r(m) ON r.m BETWEEN s.m_start AND s.last_m
),
moves AS (
  SELECT *,
    CASE WHEN k >= 1 AND m < end_m AND u_ev < 0.040 THEN ln(1.1 + 0.5 * u_f)
         WHEN k >= 1 AND m < end_m AND u_ev < 0.055 THEN ln(0.6 + 0.3 * u_f)
         ELSE 0 END AS log_factor,
    CASE WHEN k >= 1 AND m < end_m AND u_ev < 0.040 AND u_up < 0.3 THEN 1 ELSE 0 END AS upgrade
  FROM sub_months
),
cumulative AS (
  SELECT *,
    least(2, plan0 + sum(upgrade) OVER w)::INTEGER AS plan_idx,
    greatest(1, round(seats0 * exp(sum(log_factor) OVER w)))::INTEGER AS seats
  FROM moves
  WINDOW w AS (PARTITION BY subscription_id ORDER BY m ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
history AS (
  SELECT *,
    (${START} + to_months(m))::DATE AS month_date,
    ['starter', 'pro', 'enterprise'][plan_idx + 1] AS plan,
    round(seats::DOUBLE * ([19, 39, 79]::DOUBLE[])[plan_idx + 1]
          * CASE WHEN annual THEN 0.85::DOUBLE ELSE 1::DOUBLE END, 2) AS mrr
  FROM cumulative
)`

const SUBSCRIPTIONS = `
CREATE OR REPLACE TABLE subscriptions AS
WITH ${SUB_HISTORY_CTES}
SELECT
  month_date AS snapshot_month,
  subscription_id::BIGINT AS subscription_id,
  customer_id::BIGINT AS customer_id,
  plan,
  seats,
  mrr,
  CASE WHEN annual THEN 'annual' ELSE 'monthly' END AS billing_interval,
  region,
  channel,
  started_at,
  (${START} + to_months(m_start))::DATE AS start_month,
  canceled_at,
  k = 0 AS is_new,
  churned AND m = end_m AS is_churned,
  k::INTEGER AS months_since_start
FROM history
WHERE m BETWEEN 0 AND ${MONTHS - 1}
ORDER BY snapshot_month, subscription_id`

const SUBSCRIPTION_CHANGES = `
CREATE OR REPLACE TABLE subscription_changes AS
WITH ${SUB_HISTORY_CTES},
with_prev AS (
  SELECT *,
    lag(mrr) OVER w AS prev_mrr,
    lag(plan) OVER w AS prev_plan,
    lag(seats) OVER w AS prev_seats
  FROM history
  WINDOW w AS (PARTITION BY subscription_id ORDER BY m)
),
changes AS (
  SELECT started_at AS changed_at, subscription_id, customer_id, 'new' AS change_type,
    NULL::VARCHAR AS plan_before, plan AS plan_after, 0 AS seats_before, seats AS seats_after,
    0::DOUBLE AS mrr_before, mrr AS mrr_after, region, channel
  FROM with_prev WHERE k = 0 AND m >= 0
  UNION ALL
  SELECT month_date + floor(${u('chg_day', 'subscription_id', 'm')} * 28)::INTEGER,
    subscription_id, customer_id,
    CASE WHEN mrr > prev_mrr THEN 'expansion' ELSE 'contraction' END,
    prev_plan, plan, prev_seats, seats, prev_mrr, mrr, region, channel
  FROM with_prev WHERE k > 0 AND m >= 0 AND mrr <> prev_mrr
  UNION ALL
  SELECT canceled_at, subscription_id, customer_id, 'churn',
    plan, NULL::VARCHAR, seats, 0, mrr, 0::DOUBLE, region, channel
  FROM with_prev WHERE churned AND m = end_m AND m >= 0
)
SELECT
  row_number() OVER (ORDER BY changed_at, subscription_id, change_type)::BIGINT AS change_id,
  changed_at,
  subscription_id::BIGINT AS subscription_id,
  customer_id::BIGINT AS customer_id,
  change_type,
  plan_before,
  plan_after,
  seats_before::INTEGER AS seats_before,
  seats_after::INTEGER AS seats_after,
  mrr_before,
  mrr_after,
  round(mrr_after - mrr_before, 2) AS mrr_delta,
  region,
  channel
FROM changes
ORDER BY change_id`

/** Subscription months numbered 0..n-1, for uniform sampling by `hash(...) % n`. */
const NUMBERED_SUB_MONTHS = `
sm AS (
  SELECT *,
    row_number() OVER (ORDER BY snapshot_month, subscription_id) - 1 AS rn,
    day(last_day(snapshot_month)) AS days_in_month,
    date_diff('month', ${START}, snapshot_month) / ${MONTHS - 1}.0::DOUBLE AS t
  FROM subscriptions
),
n_sm AS (SELECT count(*)::UBIGINT AS n FROM subscriptions)`

const ORDERS = `
CREATE OR REPLACE TABLE orders AS
WITH ${NUMBERED_SUB_MONTHS},
invoices AS (
  SELECT
    0 AS kind, subscription_id AS k1, 0::BIGINT AS k2,
    (snapshot_month + (least(day(started_at), days_in_month) - 1)::INTEGER)::TIMESTAMP
      + to_seconds(floor(${u('inv_sec', 'subscription_id', 'snapshot_month')} * 21600)::BIGINT) AS ordered_at,
    customer_id, subscription_id, region, channel, plan,
    'subscription' AS product_line,
    CASE WHEN billing_interval = 'annual' OR channel = 'sales' THEN 'invoice'
         WHEN ${u('inv_pay', 'subscription_id')} < 0.12 THEN 'paypal' ELSE 'card' END AS payment_method,
    CASE WHEN billing_interval = 'annual' THEN 12 ELSE 1 END AS quantity,
    mrr AS unit_price,
    0::DOUBLE AS discount,
    ${u('inv_status', 'subscription_id', 'snapshot_month')} AS u_status
  FROM sm
  WHERE billing_interval = 'monthly' OR months_since_start % 12 = 0
),
picks AS (
  SELECT i, (${h('o_pick', 'i')} % n)::BIGINT AS rn,
    ${u('o_day', 'i')} AS u_day, ${u('o_sec1', 'i')} AS u_sec1, ${u('o_sec2', 'i')} AS u_sec2,
    ${u('o_keep', 'i')} AS u_keep, ${u('o_line', 'i')} AS u_line, ${u('o_qty', 'i')} AS u_qty,
    ${u('o_price', 'i')} AS u_price, ${u('o_disc', 'i')} AS u_disc, ${u('o_pay', 'i')} AS u_pay,
    ${u('o_status', 'i')} AS u_status, ${z('o_usage', 'i')} AS z_usage
  FROM range(0, 330000) t(i), n_sm
),
oneoff_raw AS (
  SELECT p.*, s.customer_id, s.subscription_id, s.region, s.channel, s.plan, s.seats,
    greatest(s.started_at, s.snapshot_month + floor(p.u_day * s.days_in_month)::INTEGER) AS order_date,
    CASE WHEN p.u_line < 0.55 THEN 'usage'
         WHEN p.u_line < 0.985 OR s.plan = 'starter' THEN 'add_on'
         ELSE 'services' END AS product_line
  FROM picks p JOIN sm s USING (rn)
),
oneoff AS (
  SELECT
    1 AS kind, i AS k1, 0::BIGINT AS k2,
    order_date::TIMESTAMP + to_seconds(floor((u_sec1 + u_sec2) * 43200)::BIGINT) AS ordered_at,
    customer_id, subscription_id, region, channel, plan, product_line,
    CASE WHEN plan = 'enterprise' OR channel = 'sales' OR product_line = 'services' THEN 'invoice'
         WHEN u_pay < 0.15 THEN 'paypal' ELSE 'card' END AS payment_method,
    CASE product_line
      WHEN 'usage' THEN greatest(1, round(12 * exp(0.9 * z_usage) * (1 + ln(seats)) / 2))
      WHEN 'add_on' THEN 1 + floor(pow(u_qty, 3) * 4)
      ELSE 1 END::INTEGER AS quantity,
    CASE product_line
      WHEN 'usage' THEN ([4, 3.5, 3]::DOUBLE[])[CASE plan WHEN 'starter' THEN 1 WHEN 'pro' THEN 2 ELSE 3 END]
      WHEN 'add_on' THEN ([15, 29, 49, 99, 249]::DOUBLE[])[1 + floor(u_price * 5)::INTEGER]
      ELSE ([1500, 3000, 7500]::DOUBLE[])[1 + floor(u_price * 3)::INTEGER] END AS unit_price,
    CASE WHEN plan = 'enterprise' THEN 0.10::DOUBLE
         WHEN u_disc < 0.05 THEN 0.20::DOUBLE ELSE 0::DOUBLE END AS discount_rate,
    u_status
  FROM oneoff_raw
  WHERE u_keep < ${SEASON_SALES}[month(order_date)]
                 * CASE WHEN dayofweek(order_date) IN (0, 6) THEN 0.6 ELSE 1.0 END::DOUBLE
),
all_orders AS (
  SELECT kind, k1, k2, ordered_at, customer_id, subscription_id, region, channel, plan,
    product_line, payment_method, quantity, unit_price,
    round(quantity * unit_price, 2) AS gross_amount, 0::DOUBLE AS discount, u_status
  FROM invoices
  UNION ALL
  SELECT kind, k1, k2, ordered_at, customer_id, subscription_id, region, channel, plan,
    product_line, payment_method, quantity, unit_price,
    round(quantity * unit_price, 2), round(quantity * unit_price * discount_rate, 2), u_status
  FROM oneoff
)
-- numbered in the order of the sorted subquery: DuckDB runs row_number() OVER () in its input's order,
-- and costs nothing next to row_number() OVER (ORDER BY ...), which sorts every column again (~0.4 s
-- of CPU here). The same rows and ids as that (compared row by row when this was changed).
SELECT
  row_number() OVER ()::BIGINT AS order_id,
  ordered_at,
  customer_id::BIGINT AS customer_id,
  subscription_id::BIGINT AS subscription_id,
  region, channel, plan, product_line, payment_method,
  quantity::INTEGER AS quantity,
  unit_price::DOUBLE AS unit_price,
  gross_amount::DOUBLE AS gross_amount,
  discount::DOUBLE AS discount,
  round(gross_amount - discount, 2)::DOUBLE AS amount,
  'USD' AS currency,
  CASE WHEN u_status < 0.955 THEN 'completed' WHEN u_status < 0.985 THEN 'refunded' ELSE 'cancelled' END AS status
FROM (SELECT * FROM all_orders ORDER BY ordered_at, kind, k1, k2)`

const USER_EVENTS = `
CREATE OR REPLACE TABLE user_events AS
WITH weighted AS (
  SELECT *,
    1 + ln(seats) AS w,
    day(last_day(snapshot_month)) AS days_in_month,
    date_diff('month', ${START}, snapshot_month) / ${MONTHS - 1}.0::DOUBLE AS t
  FROM subscriptions
),
sm AS (
  SELECT *, sum(w) OVER (ORDER BY snapshot_month, subscription_id ROWS UNBOUNDED PRECEDING) - w AS cw
  FROM weighted
),
total AS (SELECT sum(w) AS total_w FROM weighted),
picks AS (
  SELECT i, ${u('e_pick', 'i')} * total_w AS target
  FROM range(0, 430000) t(i), total
),
-- the ASOF join sorts both sides: the picks' other numbers are computed after it, not sorted with them
picked AS (
  SELECT p.i, p.target,
    ${u('e_day', 'p.i')} AS u_day, ${u('e_sec1', 'p.i')} AS u_sec1, ${u('e_sec2', 'p.i')} AS u_sec2,
    ${u('e_keep', 'p.i')} AS u_keep, ${u('e_user', 'p.i')} AS u_user, ${u('e_int', 'p.i')} AS u_int,
    ${u('e_feat', 'p.i')} AS u_feat, ${u('e_which', 'p.i')} AS u_which, ${u('e_ai', 'p.i')} AS u_ai,
    ${u('e_plat', 'p.i')} AS u_plat, ${u('e_name', 'p.i')} AS u_name,
    s.customer_id, s.subscription_id, s.region, s.channel, s.plan, s.seats, s.t,
    s.started_at, s.snapshot_month, s.days_in_month
  FROM picks p ASOF JOIN sm s ON p.target >= s.cw
),
raw AS (
  SELECT i, target, u_day, u_sec1, u_sec2, u_keep, u_user, u_int, u_feat, u_which, u_ai, u_plat, u_name,
    customer_id, subscription_id, region, channel, plan, seats, t,
    greatest(started_at, snapshot_month + floor(u_day * days_in_month)::INTEGER) AS event_date
  FROM picked
),
kept AS (
  SELECT *,
    u_int < 0.015 AS is_internal,
    CASE WHEN u_feat >= 0.28 + 0.17 * t THEN NULL
         WHEN event_date >= DATE '2025-03-01'
              AND u_ai < least(0.25, 0.02 + 0.012 * date_diff('month', DATE '2025-03-01', event_date)) THEN 'ai_assistant'
         WHEN u_which < 0.35 THEN 'dashboards'
         WHEN u_which < 0.60 THEN 'reports'
         WHEN u_which < 0.75 THEN 'alerts'
         WHEN u_which < 0.87 THEN 'exports'
         ELSE 'api' END AS feature
  FROM raw
  WHERE u_keep < ${SEASON_USAGE}[month(event_date)]
                 * CASE WHEN dayofweek(event_date) IN (0, 6) THEN 0.3 ELSE 1.0 END::DOUBLE
)
-- numbered in the order of the sorted subquery, as orders are (see there)
SELECT
  row_number() OVER ()::BIGINT AS event_id,
  occurred_at,
  user_id::BIGINT AS user_id,
  customer_id::BIGINT AS customer_id,
  subscription_id::BIGINT AS subscription_id,
  event_name, feature, platform, is_internal, region, channel, plan
FROM (
  SELECT *,
    event_date::TIMESTAMP + to_seconds(floor((u_sec1 + u_sec2) * 43200)::BIGINT) AS occurred_at,
    CASE WHEN is_internal THEN 9000000 + floor(u_user * 40)
         ELSE subscription_id * 1000 + 1 + floor(pow(u_user, 2) * least(seats, 200)) END AS user_id,
    CASE feature
      WHEN 'dashboards' THEN 'dashboard_viewed'
      WHEN 'reports' THEN 'report_created'
      WHEN 'alerts' THEN 'alert_configured'
      WHEN 'exports' THEN 'data_exported'
      WHEN 'api' THEN 'api_request'
      WHEN 'ai_assistant' THEN 'ai_question_asked'
      ELSE CASE WHEN u_name < 0.6 THEN 'session_started' ELSE 'page_viewed' END
    END AS event_name,
    CASE WHEN feature = 'api' THEN 'api'
         WHEN u_plat < CASE WHEN channel = 'app' THEN 0.45 ELSE 0.72 END THEN 'web'
         WHEN u_plat < CASE WHEN channel = 'app' THEN 0.50 ELSE 0.82 END THEN 'desktop'
         WHEN u_plat < CASE WHEN channel = 'app' THEN 0.80 ELSE 0.93 END THEN 'ios'
         ELSE 'android' END AS platform
  FROM kept
  ORDER BY occurred_at, i
)`

const TICKETS = `
CREATE OR REPLACE TABLE tickets AS
WITH ${NUMBERED_SUB_MONTHS},
picks AS (
  SELECT i, (${h('t_pick', 'i')} % n)::BIGINT AS rn,
    ${u('t_day', 'i')} AS u_day, ${u('t_sec', 'i')} AS u_sec, ${u('t_keep', 'i')} AS u_keep,
    ${u('t_prio', 'i')} AS u_prio, ${u('t_cat', 'i')} AS u_cat, ${u('t_src', 'i')} AS u_src,
    ${u('t_pend', 'i')} AS u_pend, ${u('t_stuck', 'i')} AS u_stuck, ${u('t_csat', 'i')} AS u_csat, ${u('t_ans', 'i')} AS u_ans,
    ${z('t_res', 'i')} AS z_res, ${z('t_resp', 'i')} AS z_resp
  FROM range(0, 7000) t(i), n_sm
),
raw AS (
  SELECT p.*, s.customer_id, s.subscription_id, s.region, s.channel, s.plan, s.t,
    greatest(s.started_at, s.snapshot_month + floor(p.u_day * s.days_in_month)::INTEGER) AS created_date
  FROM picks p JOIN sm s USING (rn)
),
classified AS (
  SELECT *,
    created_date::TIMESTAMP + to_seconds(floor(u_sec * 86400)::BIGINT) AS created_at,
    CASE WHEN plan = 'enterprise' THEN
           CASE WHEN u_prio < 0.08 THEN 'urgent' WHEN u_prio < 0.25 THEN 'high' WHEN u_prio < 0.75 THEN 'normal' ELSE 'low' END
         ELSE
           CASE WHEN u_prio < 0.03 THEN 'urgent' WHEN u_prio < 0.15 THEN 'high' WHEN u_prio < 0.70 THEN 'normal' ELSE 'low' END
    END AS priority,
    CASE WHEN u_cat < 0.30 THEN 'how_to' WHEN u_cat < 0.55 THEN 'bug' WHEN u_cat < 0.73 THEN 'billing'
         WHEN u_cat < 0.85 THEN 'feature_request' WHEN u_cat < 0.95 THEN 'account' ELSE 'outage' END AS category,
    CASE WHEN plan = 'enterprise' AND u_src < 0.25 THEN 'phone'
         WHEN u_src < 0.45 THEN 'email' WHEN u_src < 0.75 THEN 'chat' ELSE 'web_form' END AS source
  FROM raw
  WHERE u_keep < CASE WHEN dayofweek(created_date) IN (0, 6) THEN 0.5 ELSE 1.0 END::DOUBLE
),
timed AS (
  SELECT *,
    CASE priority WHEN 'urgent' THEN 3 WHEN 'high' THEN 8 WHEN 'normal' THEN 18 ELSE 36 END::DOUBLE
      * CASE category WHEN 'how_to' THEN 0.6 WHEN 'bug' THEN 1.8 WHEN 'billing' THEN 0.8
                      WHEN 'feature_request' THEN 2.2 WHEN 'account' THEN 0.7 ELSE 0.4 END::DOUBLE
      * (1.3 - 0.5 * t) * exp(0.9 * z_res) AS resolution_hours,
    CASE priority WHEN 'urgent' THEN 0.25 WHEN 'high' THEN 1 WHEN 'normal' THEN 3 ELSE 6 END::DOUBLE
      * exp(0.6 * z_resp) AS response_hours
  FROM classified
),
resolved AS (
  SELECT *,
    created_at + to_seconds(floor(least(response_hours, resolution_hours) * 3600)::BIGINT) AS first_response_at,
    -- still open at the end of the data: not resolved yet, or part of the backlog (recent, stuck)
    CASE WHEN created_at + to_seconds(floor(resolution_hours * 3600)::BIGINT) <= ${END_TS}
           AND NOT (u_stuck < 0.05 AND created_at > ${END_TS} - INTERVAL 45 DAY)
      THEN created_at + to_seconds(floor(resolution_hours * 3600)::BIGINT) END AS resolved_at
  FROM timed
)
SELECT
  row_number() OVER (ORDER BY created_at, i)::BIGINT AS ticket_id,
  created_at,
  CASE WHEN first_response_at <= ${END_TS} THEN first_response_at END AS first_response_at,
  resolved_at,
  CASE WHEN resolved_at IS NOT NULL THEN 'resolved' WHEN u_pend < 0.4 THEN 'pending' ELSE 'open' END AS status,
  priority, category, source,
  CASE WHEN category IN ('bug', 'outage') THEN 'engineering'
       WHEN category = 'feature_request' THEN 'tier2' ELSE 'tier1' END AS assigned_team,
  CASE WHEN resolved_at IS NOT NULL AND u_ans < 0.6
    THEN least(5, greatest(1, round(5.6 - 0.8 * ln(1 + resolution_hours / 8) - 2 * u_csat)))::INTEGER END AS csat_score,
  customer_id::BIGINT AS customer_id,
  subscription_id::BIGINT AS subscription_id,
  region, channel, plan
FROM resolved
ORDER BY ticket_id`

const OPPORTUNITIES = `
CREATE OR REPLACE TABLE opportunities AS
WITH cand AS (
  SELECT i,
    floor(ln(1 + ${u('op_created', 'i')} * (exp(0.0012 * 1096) - 1)) / 0.0012)::INTEGER AS d,
    ${u('op_keep', 'i')} AS u_keep, ${u('op_reg', 'i')} AS u_reg, ${u('op_chan', 'i')} AS u_chan,
    ${u('op_plan', 'i')} AS u_plan, ${u('op_type', 'i')} AS u_type, ${u('op_win', 'i')} AS u_win,
    ${u('op_stale', 'i')} AS u_stale, ${u('op_lost', 'i')} AS u_lost, ${u('op_rep', 'i')} AS u_rep,
    ${z('op_amount', 'i')} AS z_amount, ${z('op_cycle', 'i')} AS z_cycle
  FROM range(0, 3600) t(i)
),
base AS (
  SELECT *,
    ${START} + d AS created_at,
    d / 1095.0::DOUBLE AS t,
    CASE WHEN u_plan < 0.45 THEN 'pro' ELSE 'enterprise' END AS plan,
    CASE WHEN u_type < 0.25 THEN 'expansion' ELSE 'new_business' END AS deal_type,
    CASE WHEN u_chan < 0.45 THEN 'sales' WHEN u_chan < 0.70 THEN 'partner' WHEN u_chan < 0.92 THEN 'web' ELSE 'app' END AS channel
  FROM cand
  WHERE u_keep < ${SEASON_SALES}[month(${START} + d)]
),
shaped AS (
  SELECT *,
    CASE WHEN u_reg < 0.10 + 0.12 * t THEN 'APAC'
         WHEN u_reg < 0.15 + 0.22 * t THEN 'LATAM'
         WHEN u_reg < 0.57 + 0.10 * t THEN 'NA'
         ELSE 'EU' END AS region,
    round(CASE plan WHEN 'pro' THEN 9000 ELSE 48000 END::DOUBLE
          * CASE deal_type WHEN 'expansion' THEN 0.5 ELSE 1 END::DOUBLE
          * exp(0.7 * z_amount), -2) AS amount,
    7 + round(CASE plan WHEN 'pro' THEN 35 ELSE 75 END::DOUBLE * exp(0.5 * z_cycle))::INTEGER AS cycle_days
  FROM base
),
staged AS (
  SELECT *,
    created_at + cycle_days AS expected_close,
    CASE
      WHEN created_at + cycle_days > DATE '${DEMO_END}' THEN
        CASE WHEN date_diff('day', created_at, DATE '${DEMO_END}') < 0.25 * cycle_days THEN 'prospecting'
             WHEN date_diff('day', created_at, DATE '${DEMO_END}') < 0.50 * cycle_days THEN 'qualification'
             WHEN date_diff('day', created_at, DATE '${DEMO_END}') < 0.75 * cycle_days THEN 'proposal'
             ELSE 'negotiation' END
      -- slipped deals: expected close date passed in the last 180 days, still open
      WHEN created_at + cycle_days > DATE '${DEMO_END}' - 180 AND u_stale < 0.2 THEN
        CASE WHEN u_stale < 0.08 THEN 'proposal' ELSE 'negotiation' END
      WHEN u_win < 0.22 + CASE channel WHEN 'partner' THEN 0.10 ELSE 0 END::DOUBLE
                        + CASE deal_type WHEN 'expansion' THEN 0.25 ELSE 0 END::DOUBLE
                        + 0.06 * t THEN 'closed_won'
      ELSE 'closed_lost'
    END AS stage
  FROM shaped
)
SELECT
  row_number() OVER (ORDER BY created_at, i)::BIGINT AS opportunity_id,
  created_at,
  CASE WHEN stage = 'closed_lost'
    THEN created_at + greatest(1, floor(cycle_days * (0.3 + 0.7 * u_lost)))::INTEGER
    ELSE expected_close END AS close_date,
  stage,
  stage IN ('closed_won', 'closed_lost') AS is_closed,
  stage = 'closed_won' AS is_won,
  amount::DOUBLE AS amount,
  CASE stage WHEN 'prospecting' THEN 0.1 WHEN 'qualification' THEN 0.2 WHEN 'proposal' THEN 0.4
             WHEN 'negotiation' THEN 0.6 WHEN 'closed_won' THEN 1 ELSE 0 END::DOUBLE AS probability,
  deal_type, plan, region, channel,
  'rep_' || lower(region) || '_' || (1 + floor(u_rep * CASE region WHEN 'NA' THEN 8 WHEN 'EU' THEN 6 ELSE 3 END))::INTEGER AS sales_rep
FROM staged
ORDER BY opportunity_id`

const INFRA_COSTS = `
CREATE OR REPLACE TABLE infra_costs AS
WITH services(provider, service, team, base_daily, starts) AS (
  VALUES
    ('aws', 'compute', 'platform', 800, DATE '2023-11-01'),
    ('aws', 'database', 'data', 400, DATE '2023-11-01'),
    ('aws', 'storage', 'data', 150, DATE '2023-11-01'),
    ('aws', 'network', 'platform', 120, DATE '2023-11-01'),
    ('datadog', 'observability', 'platform', 110, DATE '2023-11-01'),
    ('cloudflare', 'cdn', 'platform', 50, DATE '2023-11-01'),
    ('openai', 'ai_inference', 'product', 40, DATE '2025-03-01')
),
regions(region, share) AS (VALUES ('NA', 1.0), ('EU', 0.85), ('APAC', 0.35), ('LATAM', 0.2)),
envs(environment, env_factor) AS (VALUES ('production', 1.0), ('staging', 0.12)),
days AS (SELECT d, ${START} + d::INTEGER AS cost_date FROM range(0, 1096) t(d)),
grid AS (
  SELECT days.*, services.*, regions.*, envs.*
  FROM days, services, regions, envs
  WHERE days.cost_date >= services.starts
)
SELECT
  cost_date,
  provider,
  service,
  team,
  region,
  environment,
  round(
    base_daily::DOUBLE * share::DOUBLE * env_factor::DOUBLE
    * exp(0.00095 * d)
    * CASE WHEN service = 'compute' AND dayofweek(cost_date) IN (0, 6) THEN 0.85 ELSE 1 END::DOUBLE
    * CASE WHEN service = 'compute' AND cost_date >= DATE '2025-06-01' THEN 0.75 ELSE 1 END::DOUBLE
    * CASE WHEN service = 'database' AND cost_date BETWEEN DATE '2026-03-02' AND DATE '2026-03-15' THEN 1.8 ELSE 1 END::DOUBLE
    * CASE WHEN service = 'ai_inference' THEN pow(1.08, date_diff('month', starts, cost_date)) ELSE 1 END::DOUBLE
    * greatest(0.5, 1 + 0.08 * ${z('ic_noise', 'd', 'service', 'region', 'environment')}),
  2)::DOUBLE AS cost_usd
FROM grid
ORDER BY cost_date, provider, service, region, environment`

/** Statements that build the demo warehouse, in order (one connection, schema `main`). */
export const DEMO_WAREHOUSE_SQL: string[] = [
  SUBSCRIPTIONS,
  SUBSCRIPTION_CHANGES,
  ORDERS,
  USER_EVENTS,
  TICKETS,
  OPPORTUNITIES,
  INFRA_COSTS,
].map((s) => s.trim())
