// The demo article the appeal sits in. Invented for Storyfund: the town, the people,
// the council, the water company and the numbers are all fictional.

export type Article = {
  slug: string;
  headline: string;
  standfirst: string;
  byline: string;
  /** ISO 8601, UTC */
  published: string;
  section: string;
  paragraphs: string[];
};

export const DEMO_ARTICLE: Article = {
  slug: 'wrenmouth-council-north-strand-water-quality',
  headline: 'Council sat on beach pollution results for 18 months while promoting summer swims',
  standfirst:
    'Documents obtained by The Harbour Ledger show Wrenmouth officials were told again and again about sewage in the water at North Strand. The people swimming there were not.',
  byline: 'Tamsin Hale and Joe Marchetti',
  published: '2026-11-24T06:30:00Z',
  section: 'Environment',
  paragraphs: [
    'Wrenmouth town council received test results showing sewage contamination at North Strand beach on at least 14 days over the last two summers, but did not publish them or put up warning signs, documents obtained by The Harbour Ledger show.',
    'The council began paying for monthly water samples in 2024, after sea swimmers complained of stomach upsets. On days after heavy rain, the samples repeatedly found E. coli above the level at which bathing is advised against. On three of those days, the council’s own events page was promoting guided dawn swims from the same stretch of sand.',
    'The results went to a council working group that meets in private. Minutes released under the Freedom of Information Act record an officer describing the figures as “not for wider circulation until the review concludes”. The review has not concluded, and it has no published end date.',
    'Cllr Ruth Penhallow, who chairs the working group, said the council had acted in good faith and wanted a full season of data before drawing conclusions. “A single sample can mislead,” she said. “We did not want to hurt local businesses on the strength of a few bad readings.”',
    'Swimmers who spoke to the Ledger said they would have stayed out of the water had they known. Priya Anand swims from North Strand most mornings with a group of about twenty people, and says two of them were ill for several days last August. “Nobody connected it at the time,” she said. “Now I wonder.”',
    'The pipe at the northern end of the beach is one of four storm overflows run by Cordell Water Services around Wrenmouth. The company’s own monitoring returns show it discharged for 212 hours in 2025, more than twice as long as the year before. Cordell said it was spending £3.1m on extra storage at the Quarry Lane pumping station, due to be finished in 2028.',
    'Dr Elin Morgan, an environmental microbiologist who advises coastal authorities on bathing water, said the council’s reasoning was hard to follow. “The whole point of testing after rain is to catch the bad days,” she said. “If you wait for a clean average before you tell anyone, the people in the water on the dirty days never find out.”',
    'After the Ledger put its findings to the council on Monday, a spokesperson said the results would be published on the council’s website “as soon as practicable” and that temporary signs would go up at North Strand this week. The working group’s next meeting, on 9 December, will be held in public for the first time.',
    'How we reported this story: over six months we made eleven freedom of information requests to the council and Cordell Water Services. Four were refused at first; two of those were released after we appealed to the Information Commissioner. We shared every finding with the council and the company before publication and have included their responses in full where they asked us to.',
  ],
};
