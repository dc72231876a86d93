// SQL for the money facts: entries with their fees, charges, disputes, payouts. Every
// statement is idempotent and independent of arrival order: a fact learned early waits in
// its own table and the statement that writes the later fact picks it up, in SQL, inside
// the same atomic write (D1 allows no reads between writes).
import { and, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Db, Statement } from '../../db/db.js';
import { disputes, gifts, ledgerEntries, payoutItems, payouts, recurringGifts, stripeCharges } from '../../db/schema.js';
import { normalizeEmail } from '../lib/email.js';
import { newId } from '../lib/ids.js';
import { PAYMENT_KINDS, type EntryFacts, type Settlement, type Write } from './ledger.js';

type Ctx = { now: number; eventId: string | null };

const paymentKinds = sql.join(PAYMENT_KINDS.map((k) => sql`${k}`), sql`, `);

/** A column of the payment entry (gift or renewal) paid by this payment intent. */
const ofPayment = (column: string, paymentIntentId: string) =>
  sql`(select p.${sql.raw(column)} from ${ledgerEntries} p where p.payment_intent_id = ${paymentIntentId} and p.kind in (${paymentKinds}) and p.${sql.raw(column)} is not null limit 1)`;

/** The gift a payment intent paid for: the one-off gift that holds it, or the entry that recorded it. */
const giftOfPaymentIntent = (paymentIntentId: string) =>
  sql`coalesce((select g.id from ${gifts} g where g.payment_intent_id = ${paymentIntentId} limit 1), ${ofPayment('gift_id', paymentIntentId)})`;

/** A column of the settled charge of a payment intent, the latest if there were several. */
const ofSettledCharge = (column: string, paymentIntentId: string) =>
  sql`(select c.${sql.raw(column)} from ${stripeCharges} c where c.payment_intent_id = ${paymentIntentId} and c.balance_transaction_id is not null order by c.stripe_created desc, c.id desc limit 1)`;

function isPayment(kind: string): boolean {
  return (PAYMENT_KINDS as readonly string[]).includes(kind);
}

function entryStatement(db: Db, e: EntryFacts, ctx: Ctx): Statement {
  const pi = e.paymentIntentId ?? null;
  const st = e.settlement ?? null;
  // settlement columns: given, else (for a payment) from its charge if that came first
  const settled = (value: unknown, chargeColumn: string): SQL | unknown =>
    value != null ? value : pi && isPayment(e.kind) ? ofSettledCharge(chargeColumn, pi) : null;
  // a reversal recorded before its payment takes gift, frequency and supporter when linked (payment.link)
  const reversal = pi && !isPayment(e.kind);
  return db
    .insert(ledgerEntries)
    .values({
      id: newId('led', ctx.now),
      key: e.key,
      kind: e.kind,
      giftId: e.giftId ?? (reversal ? giftOfPaymentIntent(pi) : null),
      recurringGiftId: e.subscriptionId
        ? sql`(select ${recurringGifts.id} from ${recurringGifts} where ${recurringGifts.stripeSubscriptionId} = ${e.subscriptionId})`
        : reversal
          ? ofPayment('recurring_gift_id', pi)
          : null,
      frequency: reversal ? sql`coalesce(${ofPayment('frequency', pi)}, (select g.frequency from ${gifts} g where g.payment_intent_id = ${pi} limit 1), ${e.frequency})` : e.frequency,
      amountMinor: e.amountMinor,
      currency: e.currency,
      feeMinor: settled(st?.feeMinor, 'fee_minor') as number,
      netMinor: settled(st?.netMinor, 'net_minor') as number,
      settlementCurrency: settled(st?.currency, 'settlement_currency') as string,
      exchangeRate: settled(st?.exchangeRate, 'exchange_rate') as string,
      balanceTransactionId: settled(st?.balanceTransactionId, 'balance_transaction_id') as string,
      paymentIntentId: pi,
      chargeId: (e.chargeId ?? (pi && isPayment(e.kind) ? ofSettledCharge('id', pi) : null)) as string,
      email: e.email ? normalizeEmail(e.email) : reversal ? ofPayment('email', pi) : null,
      stripeId: e.stripeId,
      stripeEventId: ctx.eventId,
      occurredAt: e.occurredAt,
      createdAt: ctx.now,
    })
    .onConflictDoUpdate({
      target: ledgerEntries.key,
      // The amount is never edited. Another event about the same fact (refund.updated after
      // refund.created, say) fills only what is unknown; fee and net move together.
      set: {
        giftId: sql`coalesce(${ledgerEntries.giftId}, excluded.gift_id)`,
        recurringGiftId: sql`coalesce(${ledgerEntries.recurringGiftId}, excluded.recurring_gift_id)`,
        paymentIntentId: sql`coalesce(${ledgerEntries.paymentIntentId}, excluded.payment_intent_id)`,
        chargeId: sql`coalesce(${ledgerEntries.chargeId}, excluded.charge_id)`,
        email: sql`coalesce(${ledgerEntries.email}, excluded.email)`,
        ...fillSettlement(sql`excluded`),
      },
    });
}

/** Sets fee, net and the rest from `source` only where no balance transaction is held yet. */
function fillSettlement(source: SQL) {
  const unset = sql`${ledgerEntries.balanceTransactionId} is null`;
  const pick = (col: string, current: unknown) => sql`case when ${unset} then ${source}.${sql.raw(col)} else ${current} end`;
  return {
    feeMinor: pick('fee_minor', ledgerEntries.feeMinor),
    netMinor: pick('net_minor', ledgerEntries.netMinor),
    settlementCurrency: pick('settlement_currency', ledgerEntries.settlementCurrency),
    exchangeRate: pick('exchange_rate', ledgerEntries.exchangeRate),
    balanceTransactionId: pick('balance_transaction_id', ledgerEntries.balanceTransactionId),
  };
}

function settleStatement(db: Db, match: { key: string } | { paymentIntentId: string }, s: Settlement, chargeId: string | null): Statement {
  const where =
    'key' in match
      ? and(eq(ledgerEntries.key, match.key), isNull(ledgerEntries.balanceTransactionId))
      : and(eq(ledgerEntries.paymentIntentId, match.paymentIntentId), inArray(ledgerEntries.kind, [...PAYMENT_KINDS]), isNull(ledgerEntries.balanceTransactionId));
  return db
    .update(ledgerEntries)
    .set({
      feeMinor: s.feeMinor,
      netMinor: s.netMinor,
      settlementCurrency: s.currency,
      exchangeRate: s.exchangeRate,
      balanceTransactionId: s.balanceTransactionId,
      chargeId: sql`coalesce(${ledgerEntries.chargeId}, ${chargeId})`,
    })
    .where(where);
}

export function moneyStatements(db: Db, w: Write, ctx: Ctx): Statement[] | null {
  switch (w.type) {
    case 'entry':
      return [entryStatement(db, w.entry, ctx)];
    case 'entry.settle':
      return [settleStatement(db, w.match, w.settlement, w.chargeId ?? null)];
    case 'entry.paymentIntent':
      return [
        db
          .update(ledgerEntries)
          .set({ paymentIntentId: w.paymentIntentId })
          .where(and(eq(ledgerEntries.key, w.key), isNull(ledgerEntries.paymentIntentId))),
        // its charge may already be known
        db
          .update(ledgerEntries)
          .set({
            feeMinor: ofSettledCharge('fee_minor', w.paymentIntentId),
            netMinor: ofSettledCharge('net_minor', w.paymentIntentId),
            settlementCurrency: ofSettledCharge('settlement_currency', w.paymentIntentId),
            exchangeRate: ofSettledCharge('exchange_rate', w.paymentIntentId),
            balanceTransactionId: ofSettledCharge('balance_transaction_id', w.paymentIntentId),
            chargeId: sql`coalesce(${ledgerEntries.chargeId}, ${ofSettledCharge('id', w.paymentIntentId)})`,
          })
          .where(and(eq(ledgerEntries.key, w.key), isNull(ledgerEntries.balanceTransactionId))),
      ];
    case 'payment.link': {
      const pi = w.paymentIntentId;
      return [
        db
          .update(ledgerEntries)
          .set({
            giftId: sql`coalesce(${ledgerEntries.giftId}, ${giftOfPaymentIntent(pi)})`,
            recurringGiftId: sql`coalesce(${ledgerEntries.recurringGiftId}, ${ofPayment('recurring_gift_id', pi)})`,
            frequency: sql`coalesce(${ofPayment('frequency', pi)}, (select g.frequency from ${gifts} g where g.payment_intent_id = ${pi} limit 1), ${ledgerEntries.frequency})`,
            email: sql`coalesce(${ledgerEntries.email}, ${ofPayment('email', pi)})`,
          })
          .where(and(eq(ledgerEntries.paymentIntentId, pi), sql`${ledgerEntries.kind} not in (${paymentKinds})`)),
        db
          .update(gifts)
          .set({
            fraudWarningId: sql`coalesce(${gifts.fraudWarningId}, (select c.early_fraud_warning_id from ${stripeCharges} c where c.payment_intent_id = ${pi} and c.early_fraud_warning_id is not null limit 1))`,
          })
          .where(sql`${gifts.id} = ${giftOfPaymentIntent(pi)}`),
      ];
    }
    case 'charge.facts': {
      const c = w.charge;
      const s = c.settlement;
      const unset = sql`${stripeCharges.balanceTransactionId} is null`;
      const pick = (col: string, current: unknown) => sql`case when ${unset} then excluded.${sql.raw(col)} else ${current} end`;
      const out: Statement[] = [
        db
          .insert(stripeCharges)
          .values({
            id: c.chargeId,
            paymentIntentId: c.paymentIntentId,
            amountMinor: c.amountMinor,
            currency: c.currency,
            balanceTransactionId: s?.balanceTransactionId ?? null,
            feeMinor: s?.feeMinor ?? null,
            netMinor: s?.netMinor ?? null,
            settlementCurrency: s?.currency ?? null,
            exchangeRate: s?.exchangeRate ?? null,
            stripeCreated: c.stripeCreated,
            createdAt: ctx.now,
            updatedAt: ctx.now,
          })
          .onConflictDoUpdate({
            target: stripeCharges.id,
            set: {
              paymentIntentId: sql`coalesce(${stripeCharges.paymentIntentId}, excluded.payment_intent_id)`,
              amountMinor: sql`coalesce(${stripeCharges.amountMinor}, excluded.amount_minor)`,
              currency: sql`coalesce(${stripeCharges.currency}, excluded.currency)`,
              stripeCreated: sql`coalesce(${stripeCharges.stripeCreated}, excluded.stripe_created)`,
              feeMinor: pick('fee_minor', stripeCharges.feeMinor),
              netMinor: pick('net_minor', stripeCharges.netMinor),
              settlementCurrency: pick('settlement_currency', stripeCharges.settlementCurrency),
              exchangeRate: pick('exchange_rate', stripeCharges.exchangeRate),
              balanceTransactionId: sql`coalesce(${stripeCharges.balanceTransactionId}, excluded.balance_transaction_id)`,
              updatedAt: ctx.now,
            },
          }),
      ];
      if (c.paymentIntentId) {
        if (s) out.push(settleStatement(db, { paymentIntentId: c.paymentIntentId }, s, c.chargeId));
        else
          out.push(
            db
              .update(ledgerEntries)
              .set({ chargeId: c.chargeId })
              .where(and(eq(ledgerEntries.paymentIntentId, c.paymentIntentId), inArray(ledgerEntries.kind, [...PAYMENT_KINDS]), isNull(ledgerEntries.chargeId))),
          );
      }
      return out;
    }
    case 'charge.fraudWarning': {
      const f = w.warning;
      return [
        db
          .insert(stripeCharges)
          .values({ id: f.chargeId, paymentIntentId: f.paymentIntentId, earlyFraudWarningId: f.warningId, fraudType: f.fraudType, createdAt: ctx.now, updatedAt: ctx.now })
          .onConflictDoUpdate({
            target: stripeCharges.id,
            set: {
              paymentIntentId: sql`coalesce(${stripeCharges.paymentIntentId}, excluded.payment_intent_id)`,
              earlyFraudWarningId: sql`coalesce(${stripeCharges.earlyFraudWarningId}, excluded.early_fraud_warning_id)`,
              fraudType: sql`coalesce(${stripeCharges.fraudType}, excluded.fraud_type)`,
              updatedAt: ctx.now,
            },
          }),
      ];
    }
    case 'dispute.state': {
      const d = w.dispute;
      const newer = sql`excluded.state_order > ${disputes.stateOrder}`;
      const ifNewer = (col: string, current: unknown) => sql`case when ${newer} then excluded.${sql.raw(col)} else ${current} end`;
      return [
        db
          .insert(disputes)
          .values({
            id: d.disputeId,
            chargeId: d.chargeId,
            paymentIntentId: d.paymentIntentId,
            amountMinor: d.amountMinor,
            currency: d.currency,
            reason: d.reason,
            status: d.status,
            evidenceDueBy: d.evidenceDueBy,
            canceledSubscriptionId: d.canceledSubscriptionId,
            stateOrder: d.order,
            stripeCreated: d.stripeCreated,
            createdAt: ctx.now,
            updatedAt: ctx.now,
          })
          .onConflictDoUpdate({
            target: disputes.id,
            set: {
              chargeId: sql`coalesce(${disputes.chargeId}, excluded.charge_id)`,
              paymentIntentId: sql`coalesce(${disputes.paymentIntentId}, excluded.payment_intent_id)`,
              status: ifNewer('status', disputes.status),
              reason: ifNewer('reason', disputes.reason),
              amountMinor: ifNewer('amount_minor', disputes.amountMinor),
              evidenceDueBy: ifNewer('evidence_due_by', disputes.evidenceDueBy),
              canceledSubscriptionId: sql`coalesce(${disputes.canceledSubscriptionId}, excluded.canceled_subscription_id)`,
              stateOrder: sql`max(${disputes.stateOrder}, excluded.state_order)`,
              updatedAt: ctx.now,
            },
          }),
      ];
    }
    case 'payout.state': {
      const p = w.payout;
      // a payout's status only moves forward; paid can still turn failed days later
      // (https://docs.stripe.com/api/payouts/object#payout_object-status)
      const rank = (col: SQL) => sql`(case ${col} when 'pending' then 0 when 'in_transit' then 1 when 'paid' then 2 when 'failed' then 3 when 'canceled' then 3 else 0 end)`;
      const forward = sql`${rank(sql`excluded.status`)} >= ${rank(sql`${payouts.status}`)}`;
      return [
        db
          .insert(payouts)
          .values({
            id: p.payoutId,
            amountMinor: p.amountMinor,
            currency: p.currency,
            status: p.status,
            reconciliationStatus: p.reconciliationStatus,
            automatic: p.automatic,
            arrivalDate: p.arrivalDate,
            stripeCreated: p.stripeCreated,
            createdAt: ctx.now,
            updatedAt: ctx.now,
          })
          .onConflictDoUpdate({
            target: payouts.id,
            set: {
              status: sql`case when ${forward} then excluded.status else ${payouts.status} end`,
              arrivalDate: sql`case when ${forward} then excluded.arrival_date else ${payouts.arrivalDate} end`,
              reconciliationStatus: sql`case when ${payouts.reconciliationStatus} = 'completed' then ${payouts.reconciliationStatus} else excluded.reconciliation_status end`,
              updatedAt: ctx.now,
            },
          }),
      ];
    }
    case 'payout.item': {
      const it = w.item;
      return [
        db
          .insert(payoutItems)
          .values({
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
          })
          .onConflictDoNothing(),
      ];
    }
    default:
      return null;
  }
}
