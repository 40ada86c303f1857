"""Writes bench/data/grounding_heldout.json: a second set of our own flawed/repaired tool calls for the gaps of #23,
written in session 14 in other domains and other wordings than bench/data/grounding_patterns.json, and run once
before any rule was changed for them (bench/data/grounding_heldout_first_run.json), to see whether the rules
written for the first set hold on cases they were not tuned on.

    python bench/make_grounding_heldout.py && python bench/grounding.py bench/data/grounding_heldout.json
"""

import json
from pathlib import Path

from make_grounding_patterns import S, a, tool, u

cases = []


def case(cat, tl, query, flawed_conv, flawed_args, rep_conv, rep_args, note):
    cases.append({"category": cat, "tool": tl, "query": query, "note": note,
                  "flawed": {"conversation": flawed_conv, "arguments": flawed_args},
                  "repaired": {"conversation": rep_conv, "arguments": rep_args}})


N = lambda d, **k: {"type": "number", "description": d, **k}  # noqa: E731
I = lambda d, **k: {"type": "integer", "description": d, **k}  # noqa: E731

# 1. keys in another convention; an unknown key
movies = tool("getMovieReviews", "Critic reviews of a film.", {
    "movieTitle": S("Title of the film"), "releaseYear": I("Year the film came out")}, ["movieTitle"])
q = "Find reviews of the film Inception from 2010"
case("keys", movies, q, [u("Find reviews of a film")], {"movie_title": "Inception", "release_year": 2010},
     [u(q)], {"movie_title": "Inception", "release_year": 2010}, "snake_case keys for camelCase (a title and a year)")
trains = tool("train_times", "Departures between two stations.", {
    "is_from": S("Station to leave from"), "to": S("Station to arrive at")}, ["is_from", "to"])
q = "Train times from Leeds to York"
case("keys", trains, q, [u("Train times to York")], {"from": "Leeds", "to": "York"},
     [u(q)], {"from": "Leeds", "to": "York"}, "'from' for the schema's is_from, other stations")
zipw = tool("weather_by_zip", "Weather for a US zip code.", {"ZipCode": S("Five-digit US zip code")}, ["ZipCode"])
q = "Weather for zip code 10001"
case("keys", zipw, q, [u("Weather for my area")], {"zipcode": "10001"},
     [u(q)], {"zipcode": "10001"}, "all lower case, no separator, for a PascalCase key")
lib = tool("find_book", "Find a book in the catalogue.", {"title": S("Book title"), "author": S("Author")}, ["title"])
q = "Is Middlemarch by George Eliot in the catalogue?"
case("keys", lib, q, [u(q)], {"title": "Middlemarch", "author": "George Eliot", "isbn": "9780141439549"},
     [u(q)], {"title": "Middlemarch", "author": "George Eliot"}, "an unknown key with an invented value is reported")

# 2. dates
fly = tool("search_flights", "One-way flights.", {"origin": S("Departure city"), "destination": S("Arrival city"),
                                                    "date": S("Travel date, YYYY-MM-DD")}, ["origin", "destination", "date"])
for text, iso, note in [
        ("Flights from Dublin to Madrid on the 21st of June, 2028", "2028-06-21", "'the 21st of June, 2028'"),
        ("Flights from Dublin to Madrid on Wednesday, June 21st, 2028", "2028-06-21", "a weekday, then 'June 21st, 2028'"),
        ("Flights from Dublin to Madrid on 06/21/2028", "2028-06-21", "US MM/DD/YYYY with slashes"),
        ("Flights from Dublin to Madrid on Aug 10th, 2028", "2028-08-10", "an abbreviated month, ordinal, comma")]:
    case("dates", fly, text, [u("Flights from Dublin to Madrid")], {"origin": "Dublin", "destination": "Madrid", "date": iso},
         [u(text)], {"origin": "Dublin", "destination": "Madrid", "date": iso}, note)
cabin = tool("rent_cabin", "Rent a cabin.", {"region": S("Region"), "arrive": S("Arrival date, YYYY-MM-DD"),
                                               "leave": S("Departure date, YYYY-MM-DD")}, ["region", "arrive", "leave"])
text = "Rent a cabin in Lapland between 10 and 14 August 2028"
case("dates", cabin, text, [u("Rent a cabin in Lapland")], {"region": "Lapland", "arrive": "2028-08-10", "leave": "2028-08-14"},
     [u(text)], {"region": "Lapland", "arrive": "2028-08-10", "leave": "2028-08-14"}, "a day-first range in one clause")
text = "Rent a cabin in Lapland from 30 September to 2 October 2028"
case("dates", cabin, text, [u("Rent a cabin in Lapland")], {"region": "Lapland", "arrive": "2028-09-30", "leave": "2028-10-02"},
     [u(text)], {"region": "Lapland", "arrive": "2028-09-30", "leave": "2028-10-02"}, "a range across two months, one year")
text = "Rent a cabin in Lapland from the 12th to the 15th of May"
case("dates", cabin, text, [u("Rent a cabin in Lapland")], {"region": "Lapland", "arrive": "2028-05-12", "leave": "2028-05-15"},
     [u(text), a("For which year?"), u("2028 please")], {"region": "Lapland", "arrive": "2028-05-12", "leave": "2028-05-15"},
     "day and month first, the year in a later answer")

# 3. composed search strings
maps = tool("local_search", "Find businesses near a place.", {"q": S("Search text")}, ["q"])
for said, value, note in [("Where can I get coffee in Ghent?", "coffee shops in Ghent", "a kind of place added (shop)"),
                          ("Any vegan food in SF?", "vegan restaurants San Francisco", "an abbreviation spelt out (SF)"),
                          ("I need a pharmacy open late near Union Square", "late night pharmacy Union Square", "reordered words"),
                          ("Where do people go bouldering in Oslo?", "bouldering gyms Oslo", "a kind of place added (gym)")]:
    case("search", maps, said, [u("Find me something nearby")], {"q": value}, [u(said)], {"q": value}, note)
said = "Where can I get coffee?"
case("search", maps, said, [u(said)], {"q": "coffee shops in Ghent"}, [u(said), a("In which city?"), u("Ghent")],
     {"q": "coffee shops in Ghent"}, "a city the user never said, inside a composed search")

# 4. a default that is only an example, and a real one
dom = tool("domain_available", "Is a domain name free to register?", {"domain": S("Domain name", default="google.com")}, ["domain"])
case("default", dom, "Is my domain free?", [u("Can you check if my domain is free?")], {"domain": "google.com"},
     [u("Can you check if my domain is free?"), a("Which domain?"), u("google.com")], {"domain": "google.com"},
     "an example domain as the default")
user = tool("github_user", "A GitHub user's profile.", {"username": S("GitHub login", default="octocat")}, ["username"])
case("default", user, "Show my GitHub profile", [u("Show my GitHub profile")], {"username": "octocat"},
     [u("Show my GitHub profile, I'm octocat")], {"username": "octocat"}, "an example login as the default")
jobs = tool("search_jobs", "Job listings.", {"keywords": S("What kind of job"), "page": I("Page of results", default=1),
                                              "sort": S("Order", enum=["relevance", "date"], default="relevance")}, ["keywords"])
case("default", jobs, "Find python developer jobs", [u("Find me a job")], {"keywords": "python developer", "page": 1, "sort": "relevance"},
     [u("Find python developer jobs")], {"keywords": "python developer", "page": 1, "sort": "relevance"},
     "real defaults (page 1, relevance) stay unasked")

# 5. world knowledge: inferred, not asked
quote = tool("share_price", "Latest share price.", {"ticker": S("Stock ticker")}, ["ticker"])
case("inferred", quote, "What are Tesla shares worth today?", [u("What are the shares worth today?")], {"ticker": "TSLA"},
     [u("What are Tesla shares worth today?")], {"ticker": "TSLA"}, "a company to its ticker")
fx = tool("fx_convert", "Convert money.", {"amount": N("Amount"), "source": S("ISO 4217 code of the source currency"),
                                           "target": S("ISO 4217 code of the target currency")}, ["amount", "source", "target"])
case("inferred", fx, "Convert 50 pounds into the currency of Switzerland", [u("Convert 50 pounds")],
     {"amount": 50, "source": "GBP", "target": "CHF"}, [u("Convert 50 pounds into the currency of Switzerland")],
     {"amount": 50, "source": "GBP", "target": "CHF"}, "a country to its currency code")
dep = tool("airport_departures", "Departures board of an airport.", {"iata": S("IATA airport code")}, ["iata"])
case("inferred", dep, "Show departures from Heathrow", [u("Show the departures board")], {"iata": "LHR"},
     [u("Show departures from Heathrow")], {"iata": "LHR"}, "an airport to its IATA code")

# 6. free text with an invented detail, and a faithful paraphrase
email = tool("send_email", "Send an email.", {"to": S("Recipient"), "body": S("Email body")}, ["to", "body"])
said = "Email Tom that the quarterly report is ready"
case("free_text", email, said, [u(said)], {"to": "Tom", "body": "The quarterly report is ready and was sent to 3 clients"},
     [u(said)], {"to": "Tom", "body": "The quarterly report is ready."}, "an invented number")
note = tool("post_notice", "Post a notice on the board.", {"text": S("Notice text")}, ["text"])
said = "Post a notice that the gym is closed today"
case("free_text", note, said, [u(said)], {"text": "The gym is closed today for repairs by Acme Plumbing"},
     [u(said)], {"text": "Notice: the gym is closed today"}, "an invented company name")
sms = tool("send_sms", "Send a text.", {"to": S("Recipient"), "text": S("Message")}, ["to", "text"])
said = "Tell Maria I'll call her back tonight"
case("free_text", sms, said, [u(said)], {"to": "Maria", "text": "I'll call you back tonight at 9 from Berlin"},
     [u(said)], {"to": "Maria", "text": "I will call you back tonight"}, "invented time and place; the repair only rephrases")

# 7. a value picked from alternatives the user left open (added after the first run of 1-6, and run once
#    before the rule was written: bench/data/grounding_heldout_first_run.json has 1-6 only, the note has this)
route = tool("find_trains", "Train connections.", {"origin": S("From station"), "destination": S("To station")},
             ["origin", "destination"])
q = "Trains from Paris to Lyon or Nice"
case("alternatives", route, q, [u(q)], {"origin": "Paris", "destination": "Lyon"},
     [u(q), a("Lyon or Nice?"), u("Nice")], {"origin": "Paris", "destination": "Nice"}, "two cities, one picked")
table = tool("book_table", "Book a restaurant table.", {"restaurant": S("Restaurant"), "date": S("Date, YYYY-MM-DD")},
             ["restaurant", "date"])
q = "Book a table at Nopa on March 3 or March 4, 2028"
case("alternatives", table, q, [u(q)], {"restaurant": "Nopa", "date": "2028-03-03"},
     [u(q), a("Which of the two days?"), u("March 4")], {"restaurant": "Nopa", "date": "2028-03-04"}, "two dates, one picked")
case("alternatives", fx, "Convert 100 dollars to euros or pounds", [u("Convert 100 dollars to euros or pounds")],
     {"amount": 100, "source": "USD", "target": "EUR"},
     [u("Convert 100 dollars to euros or pounds"), a("Euros or pounds?"), u("pounds")],
     {"amount": 100, "source": "USD", "target": "GBP"}, "two currencies, one picked")
pizza = tool("order_pizza", "Order pizzas.", {"count": I("How many pizzas"), "kind": S("Which pizza")}, ["count", "kind"])
q = "Order 2 or 3 margherita pizzas"
case("alternatives", pizza, q, [u(q)], {"count": 2, "kind": "margherita"},
     [u(q), a("2 or 3?"), u("3 please")], {"count": 3, "kind": "margherita"}, "two numbers, one picked")
case("alternatives", maps, "Pizza or pasta near the Pantheon?", [u("Pizza or pasta near the Pantheon?")],
     {"q": "pizza near the Pantheon"}, [u("Pizza or pasta near the Pantheon?")], {"q": "pizza or pasta near the Pantheon"},
     "a search may keep both, not drop one")

if __name__ == "__main__":
    json.dump(cases, open(Path(__file__).parent / "data" / "grounding_heldout.json", "w"), indent=1)
    print(len(cases))
