// The gift every checkout benchmark posts: a £10 one-off from the demo article's appeal.
export const CHECKOUT_FORM = new URLSearchParams({
  frequency: 'one_off',
  amount: '10',
  amount_other: '',
  currency: 'gbp',
  email: 'reader@example.com',
  article: 'wrenmouth-council-north-strand-water-quality',
  section: 'Environment',
  campaign: 'winter-appeal',
  variant: 'b',
}).toString();
