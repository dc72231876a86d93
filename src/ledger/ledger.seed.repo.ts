// The development seed's inserts (runtime/seed.ts): made-up supporters, gifts, recurring
// gifts and entries. A million rows go in at a time, so each is one statement compiled
// once and run per row (db/sql.ts).
import { sqlTemplate } from '../../db/sql.js';

export const SEED_SUPPORTER = sqlTemplate`
  insert into supporters (id, email, name, stripe_customer_id, created_at)
  values (${'id'}, ${'email'}, ${'name'}, ${'customer'}, ${'at'})`;

export const SEED_GIFT = sqlTemplate`
  insert into gifts (id, status, frequency, amount_minor, currency, email, supporter_id, article, section, campaign, variant, country,
    checkout_session_id, payment_intent_id, subscription_id, created_at, updated_at)
  values (${'id'}, 'paid', ${'frequency'}, ${'amount'}, ${'currency'}, ${'email'}, ${'supporter'}, ${'article'}, ${'section'}, ${'campaign'}, ${'variant'}, ${'country'},
    ${'session'}, ${'paymentIntent'}, ${'subscription'}, ${'at'}, ${'at'})`;

export const SEED_RECURRING = sqlTemplate`
  insert into recurring_gifts (id, stripe_subscription_id, gift_id, supporter_id, stripe_customer_id, status, "interval", amount_minor, currency,
    canceled_at, payment_issue, decline_code, next_payment_attempt_at, created_at, updated_at)
  values (${'id'}, ${'subscription'}, ${'gift'}, ${'supporter'}, ${'customer'}, ${'status'}, ${'interval'}, ${'amount'}, ${'currency'},
    ${'canceledAt'}, ${'issue'}, ${'decline'}, ${'nextAttempt'}, ${'at'}, ${'at'})`;

export const SEED_ENTRY = sqlTemplate`
  insert into ledger_entries (id, "key", kind, gift_id, recurring_gift_id, frequency, amount_minor, currency, fee_minor, net_minor, settlement_currency,
    balance_transaction_id, payment_intent_id, email, stripe_id, occurred_at, created_at, article, section, campaign, variant)
  values (${'id'}, ${'key'}, ${'kind'}, ${'gift'}, ${'recurring'}, ${'frequency'}, ${'amount'}, ${'currency'}, ${'fee'}, ${'net'}, ${'currency'},
    ${'txn'}, ${'paymentIntent'}, ${'email'}, ${'stripeId'}, ${'at'}, ${'at'}, ${'article'}, ${'section'}, ${'campaign'}, ${'variant'})`;

export const SEED_DISPUTE = sqlTemplate`
  insert into disputes (id, charge_id, payment_intent_id, amount_minor, currency, reason, status, stripe_created, created_at, updated_at)
  values (${'id'}, ${'charge'}, ${'paymentIntent'}, ${'amount'}, ${'currency'}, 'fraudulent', ${'status'}, ${'created'}, ${'at'}, ${'at'})`;

export const SEED_PAYOUT = sqlTemplate`
  insert into payouts (id, amount_minor, currency, status, reconciliation_status, automatic, arrival_date, stripe_created, created_at, updated_at)
  values (${'id'}, ${'amount'}, ${'currency'}, 'paid', 'completed', 1, ${'arrival'}, ${'created'}, ${'at'}, ${'at'})`;

export const SEED_PAYOUT_ITEM = sqlTemplate`
  insert into payout_items (balance_transaction_id, payout_id, type, reporting_category, source_id, payment_intent_id, amount_minor, fee_minor, net_minor, currency, stripe_created)
  values (${'txn'}, ${'payout'}, ${'type'}, ${'category'}, ${'source'}, ${'paymentIntent'}, ${'amount'}, ${'fee'}, ${'net'}, ${'currency'}, ${'created'})`;
