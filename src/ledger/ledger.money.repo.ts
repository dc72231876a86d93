// SQL for the money facts: entries with their fees, charges, disputes, payouts. Every
// statement is idempotent and independent of arrival order: a fact learned early waits in
// its own table and the statement that writes the later fact picks it up, in SQL, inside
// the same atomic write (D1 allows no reads between writes).
import type { Statement } from '../../db/db.js';
import { bool, ifNewer, sqlList, sqlTemplate, type SqlFragment } from '../../db/sql.js';
import { normalizeEmailOrNull } from '../lib/email.js';
import { newId } from '../lib/ids.js';
import { refundNoticesStatement } from './ledger.notices.repo.js';
import { payoutTotalsStatements } from './ledger.payouts.repo.js';
import { PAYMENT_KINDS, type EntryFacts, type MoneyWrite, type Settlement, type Write } from './ledger.js';

type Ctx = { now: number; eventId: string | null };

const PAYMENT_KIND_LIST = sqlList(PAYMENT_KINDS);

function isPayment(kind: string): boolean {
  return (PAYMENT_KINDS as readonly string[]).includes(kind);
}

// The statements every payment event runs are written once as SQL (db/sql.ts); in them
// "the payment" of a payment intent is its gift or renewal entry, and "the settled charge"
// its latest charge whose balance transaction is known.

/** On conflict: an entry that gains its gift gains the gift's attribution with it (SET sees the row as it was). */
const ATTRIBUTION_FOLLOWS_GIFT: SqlFragment = {
  fragment: ['article', 'section', 'campaign', 'variant']
    .map((c) => `${c} = case when ledger_entries.gift_id is null then excluded.${c} else ledger_entries.${c} end`)
    .join(', '),
};

/**
 * One money fact, once per key. A payment takes fee and net from its settled charge if
 * that came first; a reversal (refund, dispute) recorded before its payment takes gift,
 * frequency, supporter email and recurring gift from the payment (flag :reversal).
 */
const upsertEntry = sqlTemplate`
  insert into ledger_entries (id, "key", kind, gift_id, recurring_gift_id, frequency, amount_minor, currency, fee_minor, net_minor,
    settlement_currency, exchange_rate, balance_transaction_id, payment_intent_id, charge_id, email, stripe_id, stripe_event_id, occurred_at, created_at,
    article, section, campaign, variant)
  select ${'id'}, ${'key'}, ${'kind'}, pay.gift,
    case when ${'subscriptionId'} is not null then (select r.id from recurring_gifts r where r.stripe_subscription_id = ${'subscriptionId'})
      when ${'reversal'} then (select p.recurring_gift_id from ledger_entries p where p.payment_intent_id = pay.pi and p.kind in (${PAYMENT_KIND_LIST}) and p.recurring_gift_id is not null limit 1) end,
    case when ${'reversal'} then coalesce(
      (select p.frequency from ledger_entries p where p.payment_intent_id = pay.pi and p.kind in (${PAYMENT_KIND_LIST}) and p.frequency is not null limit 1),
      (select g.frequency from gifts g where g.payment_intent_id = pay.pi limit 1), ${'frequency'}) else ${'frequency'} end,
    ${'amountMinor'}, ${'currency'},
    coalesce(${'feeMinor'}, ch.fee_minor), coalesce(${'netMinor'}, ch.net_minor), coalesce(${'settlementCurrency'}, ch.settlement_currency),
    coalesce(${'exchangeRate'}, ch.exchange_rate), coalesce(${'balanceTransactionId'}, ch.balance_transaction_id),
    pay.pi, coalesce(${'chargeId'}, ch.id),
    coalesce(${'email'}, case when ${'reversal'} then
      (select p.email from ledger_entries p where p.payment_intent_id = pay.pi and p.kind in (${PAYMENT_KIND_LIST}) and p.email is not null limit 1) end),
    ${'stripeId'}, ${'eventId'}, ${'occurredAt'}, ${'now'},
    ga.article, ga.section, ga.campaign, ga.variant
  from (select pi, coalesce(${'giftId'}, case when ${'reversal'} then coalesce(
      (select g.id from gifts g where g.payment_intent_id = pi limit 1),
      (select p.gift_id from ledger_entries p where p.payment_intent_id = pi and p.kind in (${PAYMENT_KIND_LIST}) and p.gift_id is not null limit 1)) end) as gift
    from (select coalesce(${'paymentIntentId'}, (select ip.payment_intent_id from invoice_payments ip
      where ip.invoice_id = ${'invoiceId'} and ip.status = 'paid' and ip.payment_intent_id is not null
      order by ip.paid_at desc, ip.id desc limit 1)) as pi)) pay
  left join gifts ga on ga.id = pay.gift
  left join stripe_charges ch on ch.id = (
    select c.id from stripe_charges c where ${'fromCharge'} and c.payment_intent_id = pay.pi and c.balance_transaction_id is not null
    order by c.stripe_created desc, c.id desc limit 1)
  where true
  on conflict ("key") do update set
    gift_id = coalesce(ledger_entries.gift_id, excluded.gift_id),
    ${ATTRIBUTION_FOLLOWS_GIFT},
    recurring_gift_id = coalesce(ledger_entries.recurring_gift_id, excluded.recurring_gift_id),
    payment_intent_id = coalesce(ledger_entries.payment_intent_id, excluded.payment_intent_id),
    charge_id = coalesce(ledger_entries.charge_id, excluded.charge_id),
    email = coalesce(ledger_entries.email, excluded.email),
    fee_minor = case when ledger_entries.balance_transaction_id is null then excluded.fee_minor else ledger_entries.fee_minor end,
    net_minor = case when ledger_entries.balance_transaction_id is null then excluded.net_minor else ledger_entries.net_minor end,
    settlement_currency = case when ledger_entries.balance_transaction_id is null then excluded.settlement_currency else ledger_entries.settlement_currency end,
    exchange_rate = case when ledger_entries.balance_transaction_id is null then excluded.exchange_rate else ledger_entries.exchange_rate end,
    balance_transaction_id = case when ledger_entries.balance_transaction_id is null then excluded.balance_transaction_id else ledger_entries.balance_transaction_id end`;

function entryStatement(e: EntryFacts, ctx: Ctx): Statement {
  const pi = e.paymentIntentId ?? null;
  const st = e.settlement ?? null;
  const payment = isPayment(e.kind);
  return upsertEntry.bind({
    id: newId('led', ctx.now),
    key: e.key,
    kind: e.kind,
    giftId: e.giftId ?? null,
    reversal: bool(pi != null && !payment),
    subscriptionId: e.subscriptionId ?? null,
    frequency: e.frequency,
    amountMinor: e.amountMinor,
    currency: e.currency,
    feeMinor: st?.feeMinor ?? null,
    netMinor: st?.netMinor ?? null,
    settlementCurrency: st?.currency ?? null,
    exchangeRate: st?.exchangeRate ?? null,
    balanceTransactionId: st?.balanceTransactionId ?? null,
    chargeId: e.chargeId ?? null,
    email: normalizeEmailOrNull(e.email),
    stripeId: e.stripeId,
    eventId: ctx.eventId,
    occurredAt: e.occurredAt,
    now: ctx.now,
    paymentIntentId: pi,
    invoiceId: e.invoiceId ?? null,
    // a payment's settlement may already be known from its charge
    fromCharge: bool(payment),
  });
}

const settleByKey = sqlTemplate`
  update ledger_entries set fee_minor = ${'feeMinor'}, net_minor = ${'netMinor'}, settlement_currency = ${'currency'}, exchange_rate = ${'exchangeRate'},
    balance_transaction_id = ${'balanceTransactionId'}, charge_id = coalesce(charge_id, ${'chargeId'})
  where "key" = ${'key'} and balance_transaction_id is null`;
const settleByPaymentIntent = sqlTemplate`
  update ledger_entries set fee_minor = ${'feeMinor'}, net_minor = ${'netMinor'}, settlement_currency = ${'currency'}, exchange_rate = ${'exchangeRate'},
    balance_transaction_id = ${'balanceTransactionId'}, charge_id = coalesce(charge_id, ${'chargeId'})
  where payment_intent_id = ${'key'} and kind in (${PAYMENT_KIND_LIST}) and balance_transaction_id is null`;

/** The invoice entry learns its payment intent after the fact. */
const setEntryPaymentIntent = sqlTemplate`
  update ledger_entries set payment_intent_id = ${'paymentIntentId'} where "key" = ${'key'} and payment_intent_id is null`;

/** Its charge may already be known: fee, net and the rest from the settled charge. */
const settleEntryFromCharge = sqlTemplate`
  update ledger_entries set
    fee_minor = ch.fee_minor, net_minor = ch.net_minor, settlement_currency = ch.settlement_currency, exchange_rate = ch.exchange_rate,
    balance_transaction_id = ch.balance_transaction_id, charge_id = coalesce(ledger_entries.charge_id, ch.id)
  from (select c.* from stripe_charges c where c.payment_intent_id = ${'paymentIntentId'} and c.balance_transaction_id is not null
        order by c.stripe_created desc, c.id desc limit 1) ch
  where ledger_entries."key" = ${'key'} and ledger_entries.balance_transaction_id is null`;

/** The gift a payment intent paid for: the one-off gift that holds it, else the payment entry that recorded it. */
const GIFT_OF_PAYMENT_INTENT = `coalesce((select g.id from gifts g where g.payment_intent_id = pay.pi limit 1),
  (select p.gift_id from ledger_entries p where p.payment_intent_id = pay.pi and p.kind in (${PAYMENT_KIND_LIST.fragment}) and p.gift_id is not null limit 1))`;

/**
 * A payment and its gift are known: reversals recorded before them take gift, recurring
 * gift, frequency and email. The payment intent is the one named, else the one its entry holds.
 */
const linkReversals = sqlTemplate`
  update ledger_entries set
    gift_id = coalesce(ledger_entries.gift_id, ${{ fragment: GIFT_OF_PAYMENT_INTENT }}),
    ${{
      fragment: ['article', 'section', 'campaign', 'variant']
        .map(
          (c) =>
            `${c} = case when ledger_entries.gift_id is null then (select ga.${c} from gifts ga where ga.id = ${GIFT_OF_PAYMENT_INTENT}) else ledger_entries.${c} end`,
        )
        .join(', '),
    }},
    recurring_gift_id = coalesce(ledger_entries.recurring_gift_id,
      (select p.recurring_gift_id from ledger_entries p where p.payment_intent_id = pay.pi and p.kind in (${PAYMENT_KIND_LIST}) and p.recurring_gift_id is not null limit 1)),
    frequency = coalesce(
      (select p.frequency from ledger_entries p where p.payment_intent_id = pay.pi and p.kind in (${PAYMENT_KIND_LIST}) and p.frequency is not null limit 1),
      (select g.frequency from gifts g where g.payment_intent_id = pay.pi limit 1), ledger_entries.frequency),
    email = coalesce(ledger_entries.email,
      (select p.email from ledger_entries p where p.payment_intent_id = pay.pi and p.kind in (${PAYMENT_KIND_LIST}) and p.email is not null limit 1))
  from (select coalesce(${'paymentIntentId'}, (select e.payment_intent_id from ledger_entries e where e."key" = ${'entryKey'})) as pi) pay
  where ledger_entries.payment_intent_id = pay.pi and ledger_entries.kind not in (${PAYMENT_KIND_LIST})`;

/** An early fraud warning that arrived before the payment's gift was known is carried over to it (no write when there is none). */
const carryFraudWarning = sqlTemplate`
  update gifts set fraud_warning_id = coalesce(gifts.fraud_warning_id,
    (select c.early_fraud_warning_id from stripe_charges c where c.payment_intent_id = pay.pi and c.early_fraud_warning_id is not null limit 1))
  from (select coalesce(${'paymentIntentId'}, (select e.payment_intent_id from ledger_entries e where e."key" = ${'entryKey'})) as pi) pay
  where gifts.id = ${{ fragment: GIFT_OF_PAYMENT_INTENT }} and gifts.fraud_warning_id is null
    and exists (select 1 from stripe_charges c where c.payment_intent_id = pay.pi and c.early_fraud_warning_id is not null)`;

/** An InvoicePayment once: a paid one stays paid, and links are filled, never replaced. */
const recordInvoicePayment = sqlTemplate`
  insert into invoice_payments (id, invoice_id, payment_intent_id, status, amount_paid_minor, currency, paid_at, created_at)
  values (${'id'}, ${'invoiceId'}, ${'paymentIntentId'}, ${'status'}, ${'amountPaidMinor'}, ${'currency'}, ${'paidAt'}, ${'now'})
  on conflict (id) do update set
    payment_intent_id = coalesce(invoice_payments.payment_intent_id, excluded.payment_intent_id),
    status = case when invoice_payments.status = 'paid' then invoice_payments.status else excluded.status end,
    amount_paid_minor = coalesce(excluded.amount_paid_minor, invoice_payments.amount_paid_minor),
    currency = coalesce(invoice_payments.currency, excluded.currency),
    paid_at = coalesce(invoice_payments.paid_at, excluded.paid_at)`;

/** A charge's facts: links fill what is unknown; fee and net are kept once its balance transaction is. */
const upsertCharge = sqlTemplate`
  insert into stripe_charges (id, payment_intent_id, amount_minor, currency, balance_transaction_id, fee_minor, net_minor,
    settlement_currency, exchange_rate, stripe_created, created_at, updated_at)
  values (${'chargeId'}, ${'paymentIntentId'}, ${'amountMinor'}, ${'currency'}, ${'balanceTransactionId'}, ${'feeMinor'}, ${'netMinor'},
    ${'settlementCurrency'}, ${'exchangeRate'}, ${'stripeCreated'}, ${'now'}, ${'now'})
  on conflict (id) do update set
    payment_intent_id = coalesce(stripe_charges.payment_intent_id, excluded.payment_intent_id),
    amount_minor = coalesce(stripe_charges.amount_minor, excluded.amount_minor),
    currency = coalesce(stripe_charges.currency, excluded.currency),
    stripe_created = coalesce(stripe_charges.stripe_created, excluded.stripe_created),
    fee_minor = case when stripe_charges.balance_transaction_id is null then excluded.fee_minor else stripe_charges.fee_minor end,
    net_minor = case when stripe_charges.balance_transaction_id is null then excluded.net_minor else stripe_charges.net_minor end,
    settlement_currency = case when stripe_charges.balance_transaction_id is null then excluded.settlement_currency else stripe_charges.settlement_currency end,
    exchange_rate = case when stripe_charges.balance_transaction_id is null then excluded.exchange_rate else stripe_charges.exchange_rate end,
    balance_transaction_id = coalesce(stripe_charges.balance_transaction_id, excluded.balance_transaction_id),
    updated_at = ${'now'}`;

/** The payment entries of a payment intent learn their charge before its fee is known. */
const linkEntryCharge = sqlTemplate`
  update ledger_entries set charge_id = ${'chargeId'}
  where payment_intent_id = ${'paymentIntentId'} and kind in (${PAYMENT_KIND_LIST}) and charge_id is null`;

const recordFraudWarning = sqlTemplate`
  insert into stripe_charges (id, payment_intent_id, early_fraud_warning_id, fraud_type, created_at, updated_at)
  values (${'chargeId'}, ${'paymentIntentId'}, ${'warningId'}, ${'fraudType'}, ${'now'}, ${'now'})
  on conflict (id) do update set
    payment_intent_id = coalesce(stripe_charges.payment_intent_id, excluded.payment_intent_id),
    early_fraud_warning_id = coalesce(stripe_charges.early_fraud_warning_id, excluded.early_fraud_warning_id),
    fraud_type = coalesce(stripe_charges.fraud_type, excluded.fraud_type),
    updated_at = ${'now'}`;

/** A dispute's state, applied only if newer than what we hold (state_order); links fill what is unknown. */
const applyDisputeState = sqlTemplate`
  insert into disputes (id, charge_id, payment_intent_id, amount_minor, currency, reason, status, evidence_due_by,
    canceled_subscription_id, state_order, stripe_created, created_at, updated_at)
  values (${'disputeId'}, ${'chargeId'}, ${'paymentIntentId'}, ${'amountMinor'}, ${'currency'}, ${'reason'}, ${'status'}, ${'evidenceDueBy'},
    ${'canceledSubscriptionId'}, ${'order'}, ${'stripeCreated'}, ${'now'}, ${'now'})
  on conflict (id) do update set
    charge_id = coalesce(disputes.charge_id, excluded.charge_id),
    payment_intent_id = coalesce(disputes.payment_intent_id, excluded.payment_intent_id),
    ${ifNewer('disputes', 'state_order', ['status', 'reason', 'amount_minor', 'evidence_due_by'])},
    canceled_subscription_id = coalesce(disputes.canceled_subscription_id, excluded.canceled_subscription_id),
    state_order = max(disputes.state_order, excluded.state_order),
    updated_at = ${'now'}`;

// a payout's status only moves forward; paid can still turn failed days later
// (https://docs.stripe.com/api/payouts/object#payout_object-status)
const payoutRank = (col: string) =>
  `(case ${col} when 'pending' then 0 when 'in_transit' then 1 when 'paid' then 2 when 'failed' then 3 when 'canceled' then 3 else 0 end)`;
const PAYOUT_FORWARD: SqlFragment = { fragment: `${payoutRank('excluded.status')} >= ${payoutRank('payouts.status')}` };

const applyPayoutState = sqlTemplate`
  insert into payouts (id, amount_minor, currency, status, reconciliation_status, automatic, arrival_date, stripe_created, created_at, updated_at)
  values (${'payoutId'}, ${'amountMinor'}, ${'currency'}, ${'status'}, ${'reconciliationStatus'}, ${'automatic'}, ${'arrivalDate'}, ${'stripeCreated'}, ${'now'}, ${'now'})
  on conflict (id) do update set
    status = case when ${PAYOUT_FORWARD} then excluded.status else payouts.status end,
    arrival_date = case when ${PAYOUT_FORWARD} then excluded.arrival_date else payouts.arrival_date end,
    reconciliation_status = case when payouts.reconciliation_status = 'completed' then payouts.reconciliation_status else excluded.reconciliation_status end,
    updated_at = ${'now'}`;

const insertPayoutItem = sqlTemplate`
  insert into payout_items (balance_transaction_id, payout_id, type, reporting_category, source_id, payment_intent_id, amount_minor, fee_minor, net_minor, currency, stripe_created)
  values (${'balanceTransactionId'}, ${'payoutId'}, ${'type'}, ${'reportingCategory'}, ${'sourceId'}, ${'paymentIntentId'}, ${'amountMinor'}, ${'feeMinor'}, ${'netMinor'}, ${'currency'}, ${'stripeCreated'})
  on conflict do nothing`;

function settleStatement(match: { key: string } | { paymentIntentId: string }, s: Settlement, chargeId: string | null): Statement {
  const values = {
    feeMinor: s.feeMinor,
    netMinor: s.netMinor,
    currency: s.currency,
    exchangeRate: s.exchangeRate,
    balanceTransactionId: s.balanceTransactionId,
    chargeId,
  };
  return 'key' in match ? settleByKey.bind({ ...values, key: match.key }) : settleByPaymentIntent.bind({ ...values, key: match.paymentIntentId });
}

/** The statements of one money write; every kind has its case, or this does not compile. */
export function moneyStatements(w: MoneyWrite, ctx: Ctx): Statement[] {
  switch (w.type) {
    case 'entry':
      return [entryStatement(w.entry, ctx)];
    case 'entry.settle':
      return [settleStatement(w.match, w.settlement, w.chargeId ?? null)];
    case 'entry.paymentIntent':
      return [
        setEntryPaymentIntent.bind({ key: w.key, paymentIntentId: w.paymentIntentId }),
        settleEntryFromCharge.bind({ key: w.key, paymentIntentId: w.paymentIntentId }),
      ];
    case 'payment.link': {
      const link = { paymentIntentId: w.paymentIntentId, entryKey: w.entryKey ?? null };
      // linkReversals gives early refunds the payer's email; their emails can then go
      return [linkReversals.bind(link), carryFraudWarning.bind(link), refundNoticesStatement(link, ctx.now)];
    }
    case 'invoice.payment': {
      const p = w.payment;
      return [
        recordInvoicePayment.bind({
          id: p.invoicePaymentId,
          invoiceId: p.invoiceId,
          paymentIntentId: p.paymentIntentId,
          status: p.status,
          amountPaidMinor: p.amountPaidMinor,
          currency: p.currency,
          paidAt: p.paidAt,
          now: ctx.now,
        }),
      ];
    }
    case 'charge.facts': {
      const c = w.charge;
      const s = c.settlement;
      const out: Statement[] = [
        upsertCharge.bind({
          chargeId: c.chargeId,
          paymentIntentId: c.paymentIntentId,
          amountMinor: c.amountMinor,
          currency: c.currency,
          balanceTransactionId: s?.balanceTransactionId ?? null,
          feeMinor: s?.feeMinor ?? null,
          netMinor: s?.netMinor ?? null,
          settlementCurrency: s?.currency ?? null,
          exchangeRate: s?.exchangeRate ?? null,
          stripeCreated: c.stripeCreated,
          now: ctx.now,
        }),
      ];
      if (c.paymentIntentId) {
        if (s) out.push(settleStatement({ paymentIntentId: c.paymentIntentId }, s, c.chargeId));
        else out.push(linkEntryCharge.bind({ chargeId: c.chargeId, paymentIntentId: c.paymentIntentId }));
      }
      return out;
    }
    case 'charge.fraudWarning': {
      const f = w.warning;
      return [
        recordFraudWarning.bind({ chargeId: f.chargeId, paymentIntentId: f.paymentIntentId, warningId: f.warningId, fraudType: f.fraudType, now: ctx.now }),
      ];
    }
    case 'dispute.state': {
      const d = w.dispute;
      return [
        applyDisputeState.bind({
          disputeId: d.disputeId,
          chargeId: d.chargeId,
          paymentIntentId: d.paymentIntentId,
          amountMinor: d.amountMinor,
          currency: d.currency,
          reason: d.reason,
          status: d.status,
          evidenceDueBy: d.evidenceDueBy,
          canceledSubscriptionId: d.canceledSubscriptionId,
          order: d.order,
          stripeCreated: d.stripeCreated,
          now: ctx.now,
        }),
      ];
    }
    case 'payout.state': {
      const p = w.payout;
      return [
        applyPayoutState.bind({
          payoutId: p.payoutId,
          amountMinor: p.amountMinor,
          currency: p.currency,
          status: p.status,
          reconciliationStatus: p.reconciliationStatus,
          automatic: bool(p.automatic),
          arrivalDate: p.arrivalDate,
          stripeCreated: p.stripeCreated,
          now: ctx.now,
        }),
      ];
    }
    case 'payout.item': {
      const it = w.item;
      return [
        insertPayoutItem.bind({
          balanceTransactionId: it.balanceTransactionId,
          payoutId: it.payoutId,
          type: it.type,
          reportingCategory: it.reportingCategory,
          sourceId: it.sourceId,
          paymentIntentId: it.paymentIntentId,
          amountMinor: it.amountMinor,
          feeMinor: it.feeMinor,
          netMinor: it.netMinor,
          currency: it.currency,
          stripeCreated: it.stripeCreated,
        }),
      ];
    }
    case 'payout.totals':
      return payoutTotalsStatements(w.payoutId);
    default: {
      const unhandled: never = w;
      throw new Error(`no statement for money write ${(unhandled as Write).type}`);
    }
  }
}
