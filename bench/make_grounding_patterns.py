"""Writes bench/data/grounding_patterns.json: our own flawed/repaired tool calls, a few for each gap of #23 (key
conventions, dates, composed search strings, example defaults, world knowledge, invented free-text details)."""

import json

def tool(name, desc, props, required):
    return {"name": name, "description": desc, "parameters": {"type": "object", "properties": props, "required": required}}

def u(t): return {"role": "user", "content": t}
def a(t): return {"role": "assistant", "content": t}

S = lambda d, **k: {"type": "string", "description": d, **k}
cases = []
def case(cat, tl, query, flawed_conv, flawed_args, rep_conv, rep_args, note):
    cases.append({"category": cat, "tool": tl, "query": query, "note": note,
                  "flawed": {"conversation": flawed_conv, "arguments": flawed_args},
                  "repaired": {"conversation": rep_conv, "arguments": rep_args}})

# 1. key conventions
flights = tool("searchFlights", "Search flights between two cities.", {
    "originCity": S("City to fly from"), "destinationCity": S("City to fly to"),
    "departureDate": S("Day of travel, YYYY-MM-DD")}, ["originCity", "destinationCity", "departureDate"])
q = "Find me a flight from Oslo to Rome"
case("keys", flights, q, [u(q)], {"origin_city": "Oslo", "destination_city": "Rome", "departure_date": "2026-12-05"},
     [u(q), a("Which day?"), u("December 5")], {"origin_city": "Oslo", "destination_city": "Rome", "departure_date": "2026-12-05"},
     "snake_case keys for a camelCase schema")
rates = tool("exchange_rates", "Exchange rates between currencies.", {
    "is_from": S("Currency code to convert from, e.g. USD"), "to": S("Currency code to convert to")}, ["is_from", "to"])
q = "How many euros is 100 USD?"
case("keys", rates, "What is the exchange rate to EUR?", [u("What is the exchange rate to EUR?")], {"from": "USD", "to": "EUR"},
     [u(q)], {"from": "USD", "to": "EUR"}, "'is_' prefix for a reserved word (from)")
books = tool("search_books", "Search a library catalogue.", {
    "Title": S("Book title"), "Author": S("Author's name")}, ["Title"])
q = "Find the book Dune by Frank Herbert"
case("keys", books, "Find a book by Frank Herbert", [u("Find a book by Frank Herbert")], {"title": "Dune", "author": "Frank Herbert"},
     [u(q)], {"title": "Dune", "author": "Frank Herbert"}, "lower-case keys for Capitalised schema keys")
weather = tool("weather", "Current weather for a city.", {"city": S("City name"), "units": S("metric or imperial", enum=["metric", "imperial"])}, ["city"])
q = "What's the weather in Lisbon?"
case("keys", weather, q, [u(q)], {"city": "Lisbon", "colour": "blue"},
     [u(q)], {"city": "Lisbon"}, "a truly unknown argument is reported")

# 2. dates
hotel = tool("book_hotel", "Book a hotel room.", {"city": S("City"), "check_in": S("Check-in date, YYYY-MM-DD"),
                                                   "check_out": S("Check-out date, YYYY-MM-DD")}, ["city", "check_in", "check_out"])
for text, note in [("Book a hotel in Porto from the 3rd of March, 2028 to the 7th of March, 2028", "ordinal with 'of' and a comma before the year"),
                   ("Book a hotel in Porto from March 3rd, 2028 until March 7th, 2028", "month first, ordinal, comma before the year")]:
    case("dates", hotel, text, [u("Book a hotel in Porto")], {"city": "Porto", "check_in": "2028-03-03", "check_out": "2028-03-07"},
         [u(text)], {"city": "Porto", "check_in": "2028-03-03", "check_out": "2028-03-07"}, note)
text = "Book a hotel in Porto, check in 03-03-2027 and check out 03-07-2027"
case("dates", hotel, text, [u("Book a hotel in Porto")], {"city": "Porto", "check_in": "2027-03-03", "check_out": "2027-03-07"},
     [u(text)], {"city": "Porto", "check_in": "2027-03-03", "check_out": "2027-03-07"}, "US-style MM-DD-YYYY")
text = "Book a hotel in Porto from March 3 to 7, 2027"
case("dates", hotel, text, [u("Book a hotel in Porto")], {"city": "Porto", "check_in": "2027-03-03", "check_out": "2027-03-07"},
     [u(text)], {"city": "Porto", "check_in": "2027-03-03", "check_out": "2027-03-07"}, "a range in one clause")
text = "Book a hotel in Porto from the 3rd to the 7th of March"
case("dates", hotel, text, [u("Book a hotel in Porto")], {"city": "Porto", "check_in": "2027-03-03", "check_out": "2027-03-07"},
     [u(text), a("Which year?"), u("2027")], {"city": "Porto", "check_in": "2027-03-03", "check_out": "2027-03-07"},
     "day and month in the request, the year in a later answer")

# 3. composed search strings
places = tool("search_places", "Search for places.", {"query": S("What to search for")}, ["query"])
for said, value, note in [("Where can I eat sushi in Bergen?", "sushi restaurants in Bergen", "a type of place added (restaurant)"),
                          ("Find somewhere to stay near the Louvre", "hotels near the Louvre", "a type of place added (hotel)"),
                          ("Any good pizza in NYC?", "pizza New York City", "an abbreviation expanded (NYC)"),
                          ("Best museums in LA", "museums in Los Angeles", "an abbreviation expanded (LA)")]:
    case("search", places, said, [u("Find me something good")], {"query": value}, [u(said)], {"query": value}, note)

# 4. a schema default that is only an example
stock = tool("stock_price", "Latest stock price.", {"symbol": S("Ticker symbol", default="AAPL")}, ["symbol"])
case("default", stock, "What's the stock price?", [u("What's the stock price?")], {"symbol": "AAPL"},
     [u("What's the stock price?"), a("Which ticker?"), u("AAPL")], {"symbol": "AAPL"}, "an example ticker as the default")
geo = tool("geocode", "Coordinates of an address.", {"address": S("Street address", default="1600 Amphitheatre Parkway, Mountain View, CA")}, ["address"])
case("default", geo, "Geocode my office", [u("Geocode my office")], {"address": "1600 Amphitheatre Parkway, Mountain View, CA"},
     [u("Geocode my office"), a("What is the address?"), u("1600 Amphitheatre Parkway, Mountain View, CA")],
     {"address": "1600 Amphitheatre Parkway, Mountain View, CA"}, "an example address as the default")
wx = tool("forecast", "Weather forecast.", {"city": S("City name"), "units": S("Units", enum=["metric", "imperial"], default="metric")}, ["city"])
case("default", wx, "Forecast for Bergen", [u("What's the forecast?")], {"city": "Bergen", "units": "metric"},
     [u("Forecast for Bergen")], {"city": "Bergen", "units": "metric"}, "a real default (units) stays unasked")

# 5. world knowledge: inferred, not asked
conv = tool("convert_currency", "Convert an amount between currencies.", {"amount": {"type": "number", "description": "Amount"},
    "from_currency": S("ISO currency code"), "to_currency": S("ISO currency code")}, ["amount", "from_currency", "to_currency"])
case("inferred", conv, "Convert 100 US dollars for my trip to Japan",
     [u("Convert 100 US dollars")], {"amount": 100, "from_currency": "USD", "to_currency": "JPY"},
     [u("Convert 100 US dollars for my trip to Japan")], {"amount": 100, "from_currency": "USD", "to_currency": "JPY"},
     "a country to its currency code")
case("inferred", stock, "How is Microsoft's stock doing?", [u("How is the stock doing?")], {"symbol": "MSFT"},
     [u("How is Microsoft's stock doing?")], {"symbol": "MSFT"}, "a company to its ticker")

# 6. free text with an invented detail
rest = tool("reserve_table", "Reserve a restaurant table.", {"restaurant": S("Restaurant name"), "notes": S("Requests for the restaurant")}, ["restaurant"])
said = "Reserve a table at Lucca, and note that it is for my mother's birthday dinner"
case("free_text", rest, said, [u(said)], {"restaurant": "Lucca", "notes": "Birthday dinner for my mother, 8 guests, window table"},
     [u(said)], {"restaurant": "Lucca", "notes": "Birthday dinner for my mother"}, "an invented number and request")
mail = tool("send_message", "Send a text message.", {"to": S("Recipient"), "text": S("Message body")}, ["to", "text"])
said = "Text Ana that I will be late for the meeting"
case("free_text", mail, said, [u(said)], {"to": "Ana", "text": "I will be late for the meeting, arriving at 10:30 at the Oslo office"},
     [u(said)], {"to": "Ana", "text": "I will be late for the meeting"}, "an invented time and place")
if __name__ == "__main__":  # bench/make_grounding_heldout.py imports the helpers above
    from pathlib import Path
    json.dump(cases, open(Path(__file__).parent / "data" / "grounding_patterns.json", "w"), indent=1)
    print(len(cases))
