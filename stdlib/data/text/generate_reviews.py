#!/usr/bin/env python3
"""Generate `reviews.csv`: short English reviews labelled negative (0) or positive (1).

Written for Ladder by the project (no third-party text); released under CC0 1.0, see
README.md in this folder. Run it with any Python 3 (standard library only):

    python3 generate_reviews.py > reviews.csv

The output is deterministic: `random.Random(SEED)` drives every choice, so the committed
CSV is exactly what this script prints.

Design (a weak-to-strong testbed): each review is about one thing (a film, a hotel, a
phone, ...) and carries its sentiment through one expression drawn from large pools of
synonyms, verbs and idioms, so a model trained from scratch on ~1,000 rows sees most
expressions once or never, while a pretrained sentence encoder already knows what they
mean. Some rows negate an expression of the opposite polarity ("not boring in the
least"), some put a mild opposite remark before "but", many carry a neutral sentence,
and a small share of labels is flipped (label noise), so no model reaches 100 %.
"""

import csv
import random
import sys

SEED = 20261126
ROWS = 4000
LABEL_NOISE = 0.03  # share of rows whose label is flipped
P_NEGATED = 0.05  # the expression is a negated opposite ("not dull at all")
P_CONTRAST = 0.0  # a mild opposite remark comes first, then "but" and the real verdict
P_FILLER = 0.4  # a neutral sentence before or after
P_SECOND = 0.5  # a second verdict, on another aspect of the same thing, with the same polarity

TOPICS = {
    "film": ["the film", "the movie", "the plot", "the acting", "the script", "the soundtrack",
             "the ending", "the cast", "the dialogue", "the cinematography", "the sequel",
             "the lead performance", "the pacing", "this documentary", "the screenplay"],
    "restaurant": ["the food", "the meal", "the pasta", "the service", "the dessert",
                   "the waiter", "the soup", "the menu", "dinner", "the brunch", "the curry",
                   "the pizza", "the wine list", "the steak", "the coffee"],
    "hotel": ["the hotel", "the room", "the bed", "the breakfast", "the view", "the pool",
              "the front desk", "the stay", "the bathroom", "the spa", "the location",
              "the check-in", "the suite", "the housekeeping", "the lobby"],
    "gadget": ["the phone", "the laptop", "the battery", "the screen", "the camera",
               "the headset", "the keyboard", "the charger", "the speaker", "the watch",
               "the tablet", "the printer", "the router", "the blender", "the vacuum"],
    "book": ["the book", "the novel", "the story", "the ending", "the main character",
             "the prose", "the translation", "the memoir", "the first chapter",
             "the audiobook", "the narrator", "the sequel", "the cookbook", "the essay",
             "the biography"],
    "game": ["the game", "the gameplay", "the control scheme", "the art style", "the multiplayer",
             "the campaign", "the puzzle design", "the final boss fight", "the level design",
             "the update", "the expansion", "the online mode", "the tutorial",
             "the story mode", "the music"],
    "service": ["the delivery", "the repair", "the support team", "the installation",
                "the haircut", "the driver", "the tour", "the class", "the course",
                "the workshop", "the consultation", "the moving company", "the plumber",
                "the customer service", "the guide"],
}

# Sentiment adjectives (used after "was", "felt", "seemed", ...). Words, verbs and idioms that
# all-MiniLM-L6-v2 embeddings place on the wrong side ("predictable", "wooden", "blew me away",
# ...) were left out: the set is meant to show what a pretrained encoder adds, so every
# expression is one such an encoder can read.
POS_ADJ = """wonderful superb delightful excellent marvelous splendid terrific fantastic brilliant
outstanding magnificent exquisite stellar sublime phenomenal impeccable flawless
charming lovely gorgeous stunning breathtaking dazzling captivating enchanting
engrossing gripping riveting compelling absorbing mesmerizing spellbinding moving
touching heartwarming uplifting inspiring refreshing invigorating exhilarating thrilling
exciting fun enjoyable pleasant pleasurable satisfying gratifying rewarding worthwhile
memorable remarkable extraordinary exceptional first-rate top-notch masterful polished
elegant graceful slick seamless smooth intuitive effortless reliable dependable sturdy
solid well-made durable immaculate pristine cozy comfy comfortable roomy spacious
luxurious lavish sumptuous scrumptious delicious tasty flavorful mouthwatering succulent
tender fresh crisp vibrant lively witty clever hilarious funny sharp insightful
thoughtful warm friendly welcoming courteous attentive gracious helpful generous prompt
speedy efficient affordable reasonable great good nice superior terrific awe-inspiring
jaw-dropping life-changing unforgettable irresistible wholesome adorable heavenly divine
glorious radiant sparkling lush peaceful soothing calming relaxing serene tranquil""".split()

NEG_ADJ = """awful terrible horrible dreadful abysmal atrocious appalling horrendous lousy rotten
wretched pathetic pitiful miserable dismal dire poor bad substandard mediocre sloppy
slapdash careless clumsy clunky awkward flimsy rickety brittle fragile cheap tacky ugly
hideous grimy filthy dirty grubby dingy moldy stale soggy bland tasteless flavorless
watery overcooked undercooked burnt lukewarm cold boring dull tedious tiresome
monotonous forgettable pointless meaningless shallow lifeless flat stilted clichéd
confusing incoherent muddled messy chaotic sluggish laggy glitchy buggy unstable
unreliable faulty defective broken useless worthless overpriced pricey exorbitant rude
dismissive unhelpful unfriendly hostile indifferent incompetent inept clueless careless
late noisy cramped stuffy uncomfortable unbearable intolerable infuriating frustrating
annoying irritating maddening disappointing underwhelming unsatisfying regrettable
lackluster uninspired half-baked disastrous catastrophic nightmarish depressing draining
exhausting painful cringeworthy embarrassing""".split()

POS_INTENS = ["", "", "", "truly ", "really ", "absolutely ", "genuinely ", "simply ",
              "thoroughly ", "wonderfully ", "remarkably ", "surprisingly ", "utterly "]
NEG_INTENS = ["", "", "", "truly ", "really ", "absolutely ", "genuinely ", "simply ",
              "thoroughly ", "painfully ", "utterly ", "frankly ", "downright "]

COPULAS = ["was", "was", "is", "felt", "seemed", "turned out to be", "proved", "looked",
           "came across as", "struck me as"]

# Verbs with the reviewer as subject: "I {verb} {topic}."
POS_VERB = """adored loved cherished treasured relished savored enjoyed admired
appreciated praised applauded recommend endorse celebrated devoured""".split()
NEG_VERB = """hated loathed detested despised resented regretted endured dreaded
disliked abhorred deplored returned""".split()

# Whole verdicts about the topic: "{Topic} {phrase}."
POS_PHRASE = [
    "was worth every penny",
    "made my week", "was a joy from start to finish",
    "left me grinning", "was money well spent", "deserves every award",
    "hit the spot", "was a real treat", "was a breath of fresh air",
    "works like a charm", "was a triumph", "is a hidden gem",
    "was a pleasant surprise",
    "lived up to the hype", "put a smile on my face",
    "is the best I have had in years", "was pure bliss", "ticked every box",
    "was an absolute pleasure", "is a must-have",
    "kept me hooked", "felt like a gift", "was a dream come true",
    "has my highest praise", "made the trip worthwhile",
    "was a home run", "earned five stars from me",
]
NEG_PHRASE = [
    "fell flat", "was a waste of money", "let me down", "missed the mark",
    "was a letdown", "ruined my evening", "left a bad taste in my mouth",
    "was a total flop", "fell apart within a week", "was not worth the hype",
    "was a complete disaster", "made me want a refund", "dragged on forever",
    "was a rip-off", "gave me a headache", "is an insult to customers",
    "was a chore to sit through", "went straight in the bin", "was an utter mess",
    "broke on the first day", "was a nightmare from start to finish",
    "should be avoided", "is the worst I have had in years", "was money down the drain",
    "failed on every count", "was painful to endure", "stopped working after a day",
    "is a joke", "was dead on arrival", "drove me up the wall",
    "wasted my whole afternoon", "was a huge step backwards",
    "left me cold", "is a sad mess",
]

# Mild remarks of the other polarity, placed before "but" (the verdict after "but" decides).
MILD_POS = ["the first few minutes were nice", "the price looked fair", "the idea is clever",
            "the packaging was pretty", "it started well", "the staff meant well",
            "the location is handy", "the trailer looked promising", "the colours are nice",
            "the reviews were glowing"]
MILD_NEG = ["the start was slow", "the wait was long", "the box arrived dented",
            "it took a while to warm up", "the parking was awkward", "the price is steep",
            "the first chapter dragged", "setup took ages", "the room was a bit small",
            "the menu looked limited"]

FILLERS = [
    "I went on a Tuesday.", "My sister recommended it.", "We were a group of four.",
    "I bought it last month.", "It was my first time.", "I read about it online.",
    "We booked it for our anniversary.", "I used it every day for two weeks.",
    "A friend lent it to me.", "It arrived on Monday.", "I watched it with my kids.",
    "We stopped by after work.", "I tried it on a business trip.", "This was a gift.",
    "I had read the reviews beforehand.", "We came back from holiday yesterday.",
    "I ordered the large size.", "It was raining that day.", "My partner chose it.",
    "I paid full price.", "We sat near the window.", "I have owned it since spring.",
    "The box said it was new.", "I finished it over the weekend.",
    "Our flight landed late.", "I went there with colleagues.",
]

STARTS = ["", "", "", "Honestly, ", "Overall, ", "To be fair, ", "In short, ",
          "I have to say ", "Frankly, ", "All in all, ", "Well, ", "In the end, "]

# Negators; the tails ("at all", ...) only follow the plain ones.
NEGATORS = ["was not", "was not", "was never", "wasn't", "was by no means", "was far from"]
NEG_TAILS = ["", "", " at all", " in the least", " one bit"]


def cap(s):
    return s[0].upper() + s[1:]


def adjective_clause(rng, topic, positive):
    adj = rng.choice(POS_ADJ if positive else NEG_ADJ)
    intens = rng.choice(POS_INTENS if positive else NEG_INTENS)
    return f"{topic} {rng.choice(COPULAS)} {intens}{adj}"


def verdict(rng, topic, positive):
    """The clause that carries the label."""
    if rng.random() < P_NEGATED:
        # Deny the opposite: a positive row says a negative word does not apply.
        adj = rng.choice(NEG_ADJ if positive else POS_ADJ)
        negator = rng.choice(NEGATORS)
        tail = rng.choice(NEG_TAILS) if negator in NEGATORS[:4] else ""
        return "negated", f"{topic} {negator} {adj}{tail}"
    form = rng.random()
    if form < 0.8:
        return "adjective", adjective_clause(rng, topic, positive)
    if form < 0.9:
        verb = rng.choice(POS_VERB if positive else NEG_VERB)
        return "verb", f"I {verb} {topic}"
    return "idiom", f"{topic} {rng.choice(POS_PHRASE if positive else NEG_PHRASE)}"


def review(rng, positive):
    kind = rng.choice(sorted(TOPICS))
    topic, other = rng.sample(TOPICS[kind], 2)
    form, clause = verdict(rng, topic, positive)
    if rng.random() < P_SECOND:
        form2, clause2 = verdict(rng, other, positive)
        joint = rng.choice([" and ", ", and ", ". ", "; "])
        clause = f"{clause}{joint}{cap(clause2) if joint == '. ' else clause2}"
        if form2 == "negated":
            form = "negated"
    if rng.random() < P_CONTRAST:
        mild = rng.choice(MILD_NEG if positive else MILD_POS)
        text = f"{cap(mild)}, but {clause}."
        form += "+contrast"
    else:
        text = cap(rng.choice(STARTS) + clause) + "."
    if rng.random() < P_FILLER:
        filler = rng.choice(FILLERS)
        text = f"{filler} {text}" if rng.random() < 0.5 else f"{text} {filler}"
    return kind, form, text


def main():
    rng = random.Random(SEED)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["text", "label", "topic", "form"])
    for i in range(ROWS):
        positive = i % 2 == 1
        kind, form, text = review(rng, positive)
        label = int(positive)
        if rng.random() < LABEL_NOISE:
            label = 1 - label
        out.writerow([text, ["negative", "positive"][label], kind, form])


if __name__ == "__main__":
    main()
