"""Tool retrieval quality and speed: Recall@k of BM25 on a catalog of 200+ tools, with queries written the way
people ask (not in the tools' words), and the time to index and rank.

The catalog: the built-in tools plus 30 API families of 7 operations each (search, get, create, update, delete,
list, and one special), written like real API specs: a description, typed parameters with descriptions and
enums. Each query names the one tool that serves it (two when either would do).

    python bench/retrieval.py [--k 1,3,5,8] [--large 1000]

prints JSON: catalog size, query count, Recall@k for each k, MRR, the misses at the default k, and timings.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.model import Tool  # noqa: E402
from tools.registry import default_registry  # noqa: E402
from tools.retrieval import ToolIndex  # noqa: E402

# family: (entity, plural, what it is, fields {name: description}, special (name, description))
FAMILIES = {
    "calendar": ("event", "events", "meetings and appointments in a calendar",
                 {"title": "what the event is called", "start": "start date and time", "attendees": "who is invited"},
                 ("find_free_slot", "Find a free time slot when all attendees are available for a meeting.")),
    "email": ("message", "messages", "emails in a mailbox",
              {"to": "recipient address", "subject": "subject line", "body": "the text of the email"},
              ("send_message", "Send an email to one or more recipients.")),
    "contacts": ("contact", "contacts", "people in an address book",
                 {"name": "the person's full name", "phone": "phone number", "company": "where they work"},
                 ("merge_duplicates", "Merge duplicate entries for the same person in the address book.")),
    "crm": ("lead", "leads", "sales leads and deals in a CRM",
            {"company": "the prospect company", "stage": "pipeline stage", "value": "expected deal value"},
            ("advance_stage", "Move a sales deal to the next pipeline stage.")),
    "inventory": ("item", "items", "stock items in a warehouse",
                  {"sku": "stock keeping unit code", "quantity": "units on hand", "location": "warehouse bin"},
                  ("reorder_stock", "Place a purchase order to restock items that run low in the warehouse.")),
    "orders": ("order", "orders", "customer orders in a web shop",
               {"customer": "who placed the order", "items": "products ordered", "status": "fulfilment status"},
               ("refund_order", "Refund a customer's order payment, in full or in part.")),
    "shipping": ("shipment", "shipments", "parcels sent with a courier",
                 {"tracking_number": "the courier's tracking code", "carrier": "courier company",
                  "destination": "delivery address"},
                 ("track_shipment", "Track where a parcel is now and when it will be delivered.")),
    "payments": ("payment", "payments", "card payments and invoices paid",
                 {"amount": "amount charged", "currency": "ISO currency code", "card_last4": "last four card digits"},
                 ("dispute_charge", "Open a dispute (chargeback) on a card payment.")),
    "invoices": ("invoice", "invoices", "bills sent to clients",
                 {"client": "who is billed", "due_date": "when payment is due", "total": "amount owed"},
                 ("send_reminder", "Send a payment reminder for an overdue invoice.")),
    "hr": ("employee", "employees", "staff records in human resources",
           {"name": "employee name", "department": "team or department", "salary": "yearly salary"},
           ("request_leave", "Request vacation or sick leave days off work for an employee.")),
    "recruiting": ("candidate", "candidates", "job applicants in a hiring pipeline",
                   {"name": "applicant name", "role": "the job applied for", "resume_url": "link to the CV"},
                   ("schedule_interview", "Schedule a job interview with a candidate.")),
    "tickets": ("ticket", "tickets", "customer support tickets in a help desk",
                {"subject": "the customer's problem", "priority": "urgency", "assignee": "support agent"},
                ("escalate_ticket", "Escalate a support ticket to a senior agent or manager.")),
    "projects": ("task", "tasks", "to-do tasks on a project board",
                 {"title": "what must be done", "due": "deadline", "owner": "who does it"},
                 ("assign_task", "Assign a project task to a team member.")),
    "docs": ("document", "documents", "files and documents in cloud storage",
             {"filename": "the file's name", "folder": "folder path", "shared_with": "people with access"},
             ("share_document", "Share a file or document with other people and set their permission.")),
    "chat": ("channel", "channels", "team chat channels and their messages",
             {"name": "channel name", "topic": "what the channel is about", "members": "who is in it"},
             ("post_message", "Post a message to a team chat channel.")),
    "music": ("track", "tracks", "songs in a music streaming library",
              {"title": "song title", "artist": "performer", "genre": "style of music"},
              ("play_track", "Start playing a song on the user's speaker or phone.")),
    "podcasts": ("episode", "episodes", "podcast episodes",
                 {"show": "the podcast's name", "title": "episode title", "duration": "length in minutes"},
                 ("subscribe_show", "Subscribe to a podcast so new episodes download automatically.")),
    "movies": ("film", "films", "movies and their showtimes in cinemas",
               {"title": "movie title", "cinema": "theater name", "showtime": "when it plays"},
               ("buy_cinema_ticket", "Buy seats for a movie showtime at a cinema.")),
    "recipes": ("recipe", "recipes", "cooking recipes",
                {"dish": "what is cooked", "ingredients": "what it needs", "cuisine": "e.g. Italian, Thai"},
                ("plan_meals", "Plan a week of meals and make a shopping list of ingredients.")),
    "groceries": ("grocery_order", "grocery orders", "supermarket home deliveries",
                  {"products": "what to buy", "store": "supermarket", "delivery_slot": "delivery time window"},
                  ("add_to_basket", "Add products like milk or bread to the supermarket shopping basket.")),
    "restaurants": ("reservation", "reservations", "restaurant table bookings",
                    {"restaurant": "where", "party_size": "number of guests", "time": "date and time"},
                    ("find_restaurant", "Find restaurants nearby by cuisine, price and rating.")),
    "hotels": ("hotel_booking", "hotel bookings", "hotel rooms and stays",
               {"hotel": "hotel name", "check_in": "arrival date", "nights": "how many nights"},
               ("search_rooms", "Search available hotel rooms in a city for given dates.")),
    "cars": ("rental", "rentals", "rental cars",
             {"pickup_location": "where to collect the car", "pickup_date": "when", "car_class": "size of car"},
             ("extend_rental", "Extend a car rental by more days.")),
    "trains": ("train_ticket", "train tickets", "rail journeys and tickets",
               {"origin": "departure station", "destination": "arrival station", "date": "travel date"},
               ("train_timetable", "Show train departures between two stations.")),
    "rides": ("ride", "rides", "taxi and ride-hailing trips",
              {"pickup": "where to be picked up", "dropoff": "where to go", "ride_type": "economy or premium"},
              ("estimate_fare", "Estimate the price of a taxi ride between two places.")),
    "fitness": ("workout", "workouts", "exercise sessions tracked by a fitness app",
                {"activity": "running, cycling, swimming...", "duration": "minutes", "calories": "energy burned"},
                ("weekly_summary", "Summarise this week's exercise: distance, time and calories.")),
    "health": ("appointment", "appointments", "doctor and clinic appointments",
               {"doctor": "physician name", "clinic": "where", "reason": "why the visit"},
               ("refill_prescription", "Ask the pharmacy to refill a prescription medicine.")),
    "banking": ("transaction", "transactions", "bank account transactions",
                {"account": "account number", "amount": "money moved", "counterparty": "who paid or was paid"},
                ("transfer_money", "Transfer money between bank accounts or to another person.")),
    "stocks": ("holding", "holdings", "shares in an investment portfolio",
               {"symbol": "ticker symbol", "shares": "number of shares", "price": "price per share"},
               ("stock_quote", "Get the current market price of a stock by its ticker symbol.")),
    "smart_home": ("device", "devices", "lights, thermostats and plugs at home",
                   {"room": "where it is", "state": "on or off", "level": "brightness or temperature"},
                   ("set_thermostat", "Set the home heating thermostat to a temperature.")),
}

OPERATIONS = {
    "search": "Search {plural} ({what}) by keywords and filters.",
    "get": "Get one {entity} by its id, with all its details.",
    "create": "Create a new {entity} ({what}).",
    "update": "Change the fields of an existing {entity}.",
    "delete": "Delete an {entity} permanently.",
    "list": "List recent {plural}, newest first, page by page.",
}


def catalog() -> list[Tool]:
    tools = list(default_registry().tools.values())
    for family, (entity, plural, what, fields, special) in FAMILIES.items():
        for op, template in OPERATIONS.items():
            properties = {"id": {"type": "string", "description": f"the {entity}'s id"}} if op in (
                "get", "update", "delete") else {}
            if op in ("search",):
                properties["query"] = {"type": "string", "description": f"words to look for in {plural}"}
            if op in ("create", "update", "search"):
                properties.update({k: {"type": "string", "description": v} for k, v in fields.items()})
            if op == "list":
                properties["page"] = {"type": "integer", "description": "page number"}
            tools.append(Tool(name=f"{family}_{op}_{entity}" if op != "list" else f"{family}_list_{plural.replace(' ', '_')}",
                              description=template.format(entity=entity.replace("_", " "), plural=plural, what=what),
                              parameters={"type": "object", "properties": properties}, handler=lambda **_: None))
        name, description = special
        tools.append(Tool(name=f"{family}_{name}", description=description,
                          parameters={"type": "object", "properties": {k: {"type": "string", "description": v}
                                                                       for k, v in fields.items()}},
                          handler=lambda **_: None))
    return tools


# (query, acceptable tools)
QUERIES = [
    ("What's the weather like in Lisbon right now?", ["weather"]),
    ("How much is 17% of 2,340?", ["calculator"]),
    ("Find me a flight from Paris to Rome next Friday", ["search_flights"]),
    ("Book that flight for me", ["book_flight"]),
    ("Which flights have I booked?", ["list_bookings"]),
    ("Cancel my booking ABC123", ["cancel_booking"]),
    ("Remember that the wifi password is on the fridge", ["save_note"]),
    ("Convert 5 miles to kilometres", ["convert_units"]),
    ("When am I free to meet with Ana and Bo on Thursday?", ["calendar_find_free_slot"]),
    ("Put a dentist appointment in my calendar for Monday 9am", ["calendar_create_event", "health_create_appointment"]),
    ("Move my 3pm meeting to 4pm", ["calendar_update_event"]),
    ("Email the quarterly report to finance@acme.com", ["email_send_message"]),
    ("Find the email from Sam about the contract", ["email_search_message"]),
    ("What's Maria Lopez's phone number?", ["contacts_search_contact", "contacts_get_contact"]),
    ("I have Bob twice in my address book, clean that up", ["contacts_merge_duplicates"]),
    ("Move the Globex deal to negotiation", ["crm_advance_stage"]),
    ("Add Initech as a new sales prospect worth 50k", ["crm_create_lead"]),
    ("We're running out of AA batteries in the warehouse, order more", ["inventory_reorder_stock"]),
    ("How many units of SKU 4471 do we have on hand?", ["inventory_get_item", "inventory_search_item"]),
    ("Give the customer her money back for order 5531", ["orders_refund_order"]),
    ("Show me the latest web shop orders", ["orders_list_orders"]),
    ("Where is my parcel? Tracking number 1Z999", ["shipping_track_shipment"]),
    ("I don't recognise this card charge, I want to contest it", ["payments_dispute_charge"]),
    ("Client Umbrella hasn't paid their bill, nudge them", ["invoices_send_reminder"]),
    ("Bill Acme 1,200 euros due end of month", ["invoices_create_invoice"]),
    ("I'd like to take next week off as vacation", ["hr_request_leave"]),
    ("Give Priya in engineering a raise to 95k", ["hr_update_employee"]),
    ("Set up an interview with the backend developer applicant", ["recruiting_schedule_interview"]),
    ("The customer's login problem is urgent, send it up to a manager", ["tickets_escalate_ticket"]),
    ("Open a support ticket: printer on floor 2 is jammed", ["tickets_create_ticket"]),
    ("Give the homepage redesign task to Leo", ["projects_assign_task"]),
    ("Add a to-do: write release notes by Friday", ["projects_create_task"]),
    ("Let Kim edit the budget spreadsheet", ["docs_share_document"]),
    ("Find the file called roadmap.pdf", ["docs_search_document"]),
    ("Tell the #releases channel that the deploy is done", ["chat_post_message"]),
    ("Play Bohemian Rhapsody by Queen", ["music_play_track"]),
    ("Find some jazz songs", ["music_search_track"]),
    ("Follow the Hard Fork podcast", ["podcasts_subscribe_show"]),
    ("Get me two tickets for Dune tonight at the Odeon", ["movies_buy_cinema_ticket"]),
    ("What movies are playing this evening?", ["movies_search_film", "movies_list_films"]),
    ("What can I cook with chickpeas and spinach?", ["recipes_search_recipe"]),
    ("Plan dinners for the week and make a shopping list", ["recipes_plan_meals"]),
    ("Put milk and eggs in my supermarket basket", ["groceries_add_to_basket"]),
    ("Reserve a table for four at Nopa at 8", ["restaurants_create_reservation"]),
    ("Is there a good cheap Thai place nearby?", ["restaurants_find_restaurant"]),
    ("Any hotel rooms free in Porto from June 3 for two nights?", ["hotels_search_rooms"]),
    ("I need the rental car two more days", ["cars_extend_rental"]),
    ("Rent a compact car at Lisbon airport on Monday", ["cars_create_rental"]),
    ("When do trains leave from Lyon to Marseille tomorrow?", ["trains_train_timetable"]),
    ("Buy a train ticket Berlin to Munich on the 12th", ["trains_create_train_ticket"]),
    ("How much would a taxi to the airport cost?", ["rides_estimate_fare"]),
    ("Call me an economy ride to 5th Avenue", ["rides_create_ride"]),
    ("Log a 30 minute run", ["fitness_create_workout"]),
    ("How did my exercise go this week?", ["fitness_weekly_summary"]),
    ("I'm out of my blood pressure pills, reorder them", ["health_refill_prescription"]),
    ("Book a check-up with Dr Chen", ["health_create_appointment"]),
    ("Send 50 euros to my brother", ["banking_transfer_money"]),
    ("Show my recent bank transactions", ["banking_list_transactions", "banking_search_transaction"]),
    ("What's Apple trading at?", ["stocks_stock_quote"]),
    ("Sell 10 shares of Tesla from my portfolio", ["stocks_update_holding", "stocks_delete_holding"]),
    ("Turn the heating up to 21 degrees", ["smart_home_set_thermostat"]),
    ("Switch off the kitchen lights", ["smart_home_update_device"]),
    ("Delete the spam email from yesterday", ["email_delete_message"]),
    ("Remove the cancelled lead Hooli from the pipeline", ["crm_delete_lead"]),
    ("Show the details of support ticket 812", ["tickets_get_ticket"]),
    ("What did I write down about the wifi?", ["search_notes", "list_notes"]),
    ("List the job applicants", ["recruiting_list_candidates"]),
    ("Update the shipping address on shipment 77", ["shipping_update_shipment"]),
    ("Add the new hire Tom to the employee records", ["hr_create_employee"]),
    ("Find that podcast episode about black holes", ["podcasts_search_episode"]),
]


def evaluate(tools: list[Tool], ks: list[int]) -> dict:
    started = time.perf_counter()
    index = ToolIndex(tools)
    build_ms = (time.perf_counter() - started) * 1000
    names = {t.name for t in tools}
    unknown = sorted({g for _, gold in QUERIES for g in gold} - names)
    if unknown:
        raise SystemExit(f"queries name tools not in the catalog: {unknown}")
    hits = {k: 0 for k in ks}
    reciprocal, timings, misses = [], [], []
    for query, gold in QUERIES:
        t0 = time.perf_counter()
        ranked = [r.name for r in index.rank(query)]
        timings.append((time.perf_counter() - t0) * 1000)
        position = min((ranked.index(g) for g in gold), default=None)
        reciprocal.append(1 / (position + 1) if position is not None else 0.0)
        for k in ks:
            hits[k] += position is not None and position < k
        if position is None or position >= 8:
            misses.append({"query": query, "expected": gold, "rank": position + 1 if position is not None else None,
                           "top3": ranked[:3]})
    return {
        "catalog": len(tools), "queries": len(QUERIES),
        "recall_at_k": {str(k): round(hits[k] / len(QUERIES), 3) for k in ks},
        "mrr": round(statistics.mean(reciprocal), 3),
        "index_build_ms": round(build_ms, 2),
        "rank_ms_p50": round(statistics.median(timings), 3),
        "rank_ms_max": round(max(timings), 3),
        "misses_at_8": misses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--k", default="1,3,5,8")
    parser.add_argument("--large", type=int, default=1000, help="also time a catalog padded to this many tools")
    args = parser.parse_args()
    ks = [int(k) for k in args.k.split(",")]
    tools = catalog()
    result = {"method": "bm25", **evaluate(tools, ks)}
    if args.large > len(tools):  # the same queries among copies with other names: speed and dilution
        padded = list(tools)
        copy = 0
        while len(padded) < args.large:
            copy += 1
            padded.extend(Tool(name=f"v{copy}_{t.name}"[:64], description=t.description, parameters=t.parameters,
                               handler=t.handler) for t in tools[: args.large - len(padded)])
        big = evaluate(padded, ks)
        result["large"] = {k: big[k] for k in ("catalog", "index_build_ms", "rank_ms_p50", "rank_ms_max")}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
