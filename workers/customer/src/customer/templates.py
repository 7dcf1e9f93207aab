# ruff: noqa: E501  (the templates' copy is data: one block a line reads better than wrapped strings)
"""Templates (issue 26.5): twenty starter sites for small-business trades, as data. Each is a home
page and two more (so it fits every plan's pages), in its own words, colours and fonts, with
photos carried in the bundle (customer/templatephotos.py; sources and licences in
workers/customer/templates/photos/README.md). `{name}` in any text is the new site's name.

A site made from a template gets the photos as its own uploads (sites.create_site), so the owner
replaces or deletes them like any picture. Every template's blocks pass the same checks as the
API's (tests/customer/test_templates.py renders and checks each), and `tools.thumbnails` renders
each with customer/render.py into the portal's thumbnails and full previews."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from customer import blocks as blockdefs
from customer.images import Image, Variant
from customer.model import Page
from customer.render import SiteData
from customer.templatephotos import PHOTOS

Block = dict[str, Any]


@dataclass(frozen=True)
class TemplatePage:
    title: str
    slug: str  # "" for the home page
    description: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Template:
    id: str
    name: str  # the trade, in plain words ("Bakery")
    pitch: str  # one sentence for the chooser
    palette: str
    fonts: str
    pages: tuple[TemplatePage, ...]  # home first

    def photos(self) -> list[str]:
        """The photo names its blocks show, in order of first use."""
        used: list[str] = []
        for page in self.pages:
            for block in page.blocks:
                for value in _images(block):
                    if value not in used:
                        used.append(value)
        return used

    def fingerprint(self) -> str:
        """A hash of everything the template is made of (its thumbnail is current while it holds)."""
        data = json.dumps(
            [self.id, self.name, self.palette, self.fonts, [p.__dict__ for p in self.pages]],
            sort_keys=True,
            default=list,
        )
        return hashlib.sha256(data.encode()).hexdigest()[:16]


def photo(name: str) -> str:
    """A template photo's upload hash (its original's SHA-256), as blocks name pictures."""
    return PHOTOS[name][0][0]


def _images(block: Block) -> list[str]:
    names = {original[0]: name for name, (original, _) in PHOTOS.items()}
    found = [block.get("image"), block.get("asset")] + [i.get("asset") for i in block.get("images", ())]
    return [names[sha] for sha in found if sha in names]


def description(page: TemplatePage, name: str) -> str:
    """The page's description with the site's name, within the 160 characters a page may have."""
    text = str(named(page.description, name))
    return text if len(text) <= 160 else text[:159].rsplit(" ", 1)[0] + "…"


def named(value: Any, name: str) -> Any:
    """The value with `{name}` replaced by the site's name in every string."""
    if isinstance(value, str):
        return value.replace("{name}", name)
    if isinstance(value, dict):
        return {k: named(v, name) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [named(v, name) for v in value]
    return value


# --- building blocks -------------------------------------------------------------------------------
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def hours(opens: str, closes: str, days: str = "mon tue wed thu fri") -> list[dict[str, Any]]:
    open_days = days.split()
    return [
        {"day": d, "opens": opens, "closes": closes, "closed": False}
        if d in open_days
        else {"day": d, "opens": "", "closes": "", "closed": True}
        for d in WEEK
    ]


def hero(heading: str, sub: str, image: str, alt: str, cta: str, href: str, layout: str = "overlay") -> Block:
    return {
        "type": "hero",
        "heading": heading,
        "subheading": sub,
        "image": photo(image),
        "image_alt": alt,
        "cta_label": cta,
        "cta_href": href,
        "layout": layout,
    }


def features(heading: str, *items: tuple[str, str], layout: str = "cards") -> Block:
    return {
        "type": "features",
        "heading": heading,
        "items": [{"title": t, "text": x} for t, x in items],
        "layout": layout,
    }


def prices(heading: str, *plans: tuple[str, str, str, list[str]], layout: str = "cards", best: int = -1) -> Block:
    return {
        "type": "pricing",
        "heading": heading,
        "layout": layout,
        "plans": [
            {"name": n, "price": p, "period": per, "features": f, "highlighted": i == best}
            for i, (n, p, per, f) in enumerate(plans)
        ],
    }


def quotes(heading: str, *items: tuple[str, str, str], layout: str = "cards") -> Block:
    return {
        "type": "testimonials",
        "heading": heading,
        "layout": layout,
        "items": [{"quote": q, "author": a, "role": r} for q, a, r in items],
    }


def visit(heading: str, when: list[dict[str, Any]], address: str, phone: str = "", email: str = "") -> Block:
    return {
        "type": "hours_location",
        "heading": heading,
        "hours": when,
        "address": address,
        "phone": phone,
        "email": email,
    }


def text(markdown: str, layout: str = "left") -> Block:
    return {"type": "rich_text", "markdown": markdown, "layout": layout}


def gallery(heading: str, *images: tuple[str, str], layout: str = "grid") -> Block:
    return {
        "type": "gallery",
        "heading": heading,
        "layout": layout,
        "images": [{"asset": photo(n), "alt": a} for n, a in images],
    }


def picture(image: str, alt: str, caption: str = "", layout: str = "contained") -> Block:
    return {"type": "image", "asset": photo(image), "alt": alt, "caption": caption, "layout": layout}


def cta(heading: str, body: str, label: str, href: str, layout: str = "band") -> Block:
    return {"type": "cta", "heading": heading, "text": body, "label": label, "href": href, "layout": layout}


def form(heading: str, intro: str, thanks: str = "Thank you! We will get back to you within a day.") -> Block:
    return {
        "type": "lead_form",
        "heading": heading,
        "intro": intro,
        "ask_phone": True,
        "submit_label": "Send",
        "thanks": thanks,
    }


def footer(extra: str = "") -> Block:
    return {
        "type": "footer",
        "text": f"© {{name}}{' · ' + extra if extra else ''}",
        "links": [{"label": "Contact", "href": "/contact/"}],
    }


def home(*blocks: Block) -> TemplatePage:
    """The home page; its description (for search results) is the hero's line under the headline."""
    return TemplatePage("Home", "", blocks[0]["subheading"], tuple(blocks))


def page(title: str, slug: str, description: str, *blocks: Block) -> TemplatePage:
    return TemplatePage(title, slug, description, tuple(blocks))


def contact(heading: str, intro: str, place: Block) -> TemplatePage:
    return page("Contact", "contact", f"How to reach us: {heading.lower()}.", form(heading, intro), place, footer())


PHONE = "+41 44 000 00 00"

# --- the templates -----------------------------------------------------------------------------------
TEMPLATES: tuple[Template, ...] = (
    Template(
        "bakery",
        "Bakery",
        "Warm and homely: fresh bakes, cake orders and opening hours.",
        "sunset",
        "bakehouse",
        (
            home(
                hero(
                    "Bread baked every morning",
                    "Sourdough, pastries and cakes made by hand at {name}.",
                    "soft-sunset",
                    "Warm light over the bakery counter",
                    "See our bakes",
                    "/bakes/",
                ),
                features(
                    "Why people queue",
                    ("Slow dough", "Our sourdough rests for 36 hours before it meets the oven."),
                    ("Local flour", "Milled twenty minutes away, from farms we know by name."),
                    ("Early hours", "Warm bread from 6 am, six days a week."),
                ),
                quotes(
                    "What neighbours say",
                    ("The best croissant in town, and the kindest welcome.", "Mara", "Regular since 2019"),
                    (
                        "They baked our wedding cake and everyone asked where it came from.",
                        "Tom",
                        "Ordered a celebration cake",
                    ),
                ),
                visit("Visit us", hours("06:00", "18:00", "mon tue wed thu fri sat"), "1 Market Street", PHONE),
                footer(),
            ),
            page(
                "Bakes",
                "bakes",
                "Our breads, pastries and celebration cakes, with prices.",
                gallery(
                    "From our ovens",
                    ("soft-sunset", "Loaves cooling on a rack"),
                    ("coffee", "An espresso to go with your pastry"),
                ),
                prices(
                    "Celebration cakes",
                    ("Small", "CHF 38", "serves 6", ["Sponge or chocolate", "A written message"]),
                    ("Large", "CHF 62", "serves 12", ["Two layers", "A written message", "Candles included"]),
                    best=1,
                ),
                cta(
                    "Order a cake",
                    "Tell us the date and what to write on it; we confirm within a day.",
                    "Order a cake",
                    "/contact/",
                ),
                footer(),
            ),
            contact(
                "Order a cake",
                "Tell us the date, the size and what to write on it.",
                visit("Opening hours", hours("06:00", "18:00", "mon tue wed thu fri sat"), "1 Market Street", PHONE),
            ),
        ),
    ),
    Template(
        "cafe",
        "Café",
        "Relaxed and inviting: coffee, a short menu and where to find you.",
        "sunset",
        "bistro",
        (
            home(
                hero(
                    "Good coffee, slow mornings",
                    "{name} roasts its own beans and bakes in the kitchen behind the counter.",
                    "coffee",
                    "A cup of espresso on a wooden table",
                    "See the menu",
                    "/menu/",
                    "split",
                ),
                features(
                    "Come for",
                    ("Single-origin espresso", "Beans roasted every Monday, never older than two weeks."),
                    ("Breakfast all day", "Eggs, granola and toast until closing."),
                    ("A quiet corner", "Wi-Fi, plugs and no rush to leave."),
                ),
                quotes(
                    "Regulars say",
                    ("My favourite flat white in the city, and they remember my name.", "Lea", "Every weekday at 8"),
                    layout="spotlight",
                ),
                visit("Find us", hours("07:30", "17:00", "mon tue wed thu fri sat sun"), "24 Station Road", PHONE),
                footer(),
            ),
            page(
                "Menu",
                "menu",
                "Coffee, breakfast and cakes at {name}.",
                prices(
                    "Coffee",
                    ("Espresso", "CHF 3.80", "", []),
                    ("Flat white", "CHF 5.20", "", []),
                    ("Filter of the week", "CHF 4.50", "", ["Ask what we are pouring"]),
                    layout="list",
                ),
                prices(
                    "Breakfast",
                    ("Granola bowl", "CHF 9", "", ["Yoghurt, fruit, honey"]),
                    ("Eggs on toast", "CHF 12", "", ["Sourdough, herbs"]),
                    ("Cake of the day", "CHF 6", "", []),
                    layout="list",
                ),
                picture("coffee", "An espresso in a red cup", "Our house espresso, roasted in the back room."),
                footer(),
            ),
            contact(
                "Book the café for an event",
                "Birthdays, meetings, small parties: tell us the date and how many.",
                visit(
                    "Opening hours", hours("07:30", "17:00", "mon tue wed thu fri sat sun"), "24 Station Road", PHONE
                ),
            ),
        ),
    ),
    Template(
        "salon",
        "Hair salon",
        "Stylish: services with prices, recent work and booking requests.",
        "berry",
        "boutique",
        (
            home(
                hero(
                    "{name}",
                    "Cuts, colour and care in a calm, friendly salon.",
                    "soft-berry",
                    "Soft light in the salon",
                    "Book a visit",
                    "/contact/",
                    "split",
                ),
                features(
                    "What we do",
                    ("Cuts", "For every length and texture, with a proper consultation first."),
                    ("Colour", "Balayage, highlights and gentle all-over colour."),
                    ("Treatments", "Repair and shine for tired hair."),
                ),
                quotes(
                    "Clients say",
                    ("I left feeling like myself again, only better.", "Nadia", "Client for three years"),
                    ("They listen, and the colour lasts.", "Chris", "Colour client"),
                ),
                cta("Your first visit", "New clients get a free 15-minute consultation.", "Book a visit", "/contact/"),
                footer(),
            ),
            page(
                "Prices",
                "prices",
                "Cuts, colour and treatments at {name}, with prices.",
                prices(
                    "Services",
                    ("Cut and finish", "CHF 65", "per visit", ["Wash included"]),
                    ("Colour", "CHF 110", "from", ["Consultation first", "Gloss included"]),
                    ("Treatment", "CHF 35", "add-on", ["With any service"]),
                    best=1,
                ),
                visit("Opening hours", hours("09:00", "19:00", "tue wed thu fri sat"), "12 High Street", PHONE),
                footer(),
            ),
            contact(
                "Book a visit",
                "Tell us what you would like and which days suit you.",
                visit("Find us", hours("09:00", "19:00", "tue wed thu fri sat"), "12 High Street", PHONE),
            ),
        ),
    ),
    Template(
        "plumber",
        "Plumber",
        "Trustworthy and direct: services, clear prices and a call-back form.",
        "ocean",
        "modern",
        (
            home(
                hero(
                    "Leaks fixed today",
                    "{name}: qualified plumbers for homes and small businesses, seven days a week.",
                    "soft-ocean",
                    "Blue light, like water",
                    "Ask for a call back",
                    "/contact/",
                ),
                features(
                    "What we do",
                    ("Emergencies", "Burst pipes and leaks, on site within two hours."),
                    ("Boilers", "Servicing and repairs for every common make."),
                    ("Bathrooms", "Fitted from start to finish, tiles included."),
                ),
                prices(
                    "Clear prices",
                    ("Call-out", "CHF 90", "one-off", ["First half hour included"]),
                    ("Per hour", "CHF 85", "per hour", ["No weekend surcharge"]),
                    best=1,
                ),
                quotes(
                    "Customers say",
                    ("Came at 10 pm on a Sunday and fixed it in an hour.", "Jon", "Homeowner"),
                    layout="spotlight",
                ),
                footer("Fully insured"),
            ),
            page(
                "Services",
                "services",
                "Emergency repairs, boilers and bathrooms by {name}.",
                features(
                    "Services",
                    ("Leaks and bursts", "We find the leak, fix it and dry out what we can."),
                    ("Blocked drains", "Cleared without digging, in most cases."),
                    ("Boiler service", "A yearly check keeps the warranty valid."),
                    ("New bathrooms", "Design, fitting and tiling, one team."),
                    layout="list",
                ),
                cta(
                    "Water where it should not be?",
                    "Call us now: a plumber answers, not a machine.",
                    "Call us",
                    "tel:+41440000000",
                ),
                footer("Fully insured"),
            ),
            contact(
                "Ask for a call back",
                "Describe the problem; we call you back within the hour.",
                visit(
                    "Where we work",
                    hours("07:00", "20:00", "mon tue wed thu fri sat sun"),
                    "Zurich and 20 km around",
                    PHONE,
                ),
            ),
        ),
    ),
    Template(
        "builder",
        "Builder",
        "Solid and practical: building work, past projects and a quote form.",
        "sunset",
        "bold",
        (
            home(
                hero(
                    "Built properly, finished on time",
                    "{name} builds extensions, walls and renovations for homes.",
                    "brick",
                    "A brick wall",
                    "Get a free quote",
                    "/contact/",
                ),
                features(
                    "Our work",
                    ("Extensions", "More room without moving house."),
                    ("Brick and stone", "Walls, chimneys and repairs that last."),
                    ("Renovations", "Old houses made sound and warm."),
                ),
                quotes(
                    "Customers say",
                    ("They kept the site tidy and finished a week early.", "Sam", "Kitchen extension"),
                    ("Honest about costs from the first visit.", "Irene", "Garden wall"),
                ),
                cta(
                    "Planning some work?",
                    "We visit, measure and send a written quote within a week.",
                    "Get a free quote",
                    "/contact/",
                ),
                footer("Fully insured"),
            ),
            page(
                "Projects",
                "projects",
                "Recent building projects by {name}.",
                picture("brick", "A new brick wall", "A garden wall in reclaimed brick, finished last spring.", "wide"),
                text(
                    "## How we work\n\nA free visit, a **written quote** with every cost named, a start date we keep, and one person you can call throughout.\n\nWe clean up every evening and leave the site safe."
                ),
                footer("Fully insured"),
            ),
            contact(
                "Get a free quote",
                "Tell us about the work, the address and when you would like it done.",
                visit("Our yard", hours("07:00", "17:00"), "8 Mill Lane", PHONE),
            ),
        ),
    ),
    Template(
        "electrician",
        "Electrician",
        "Safe and clear: services, certificates and quick call-backs.",
        "slate",
        "bold",  # geometric: its contact page shifted 0.21 as Montserrat swapped in (docs/sites.md)
        (
            home(
                hero(
                    "Safe wiring, done right",
                    "{name}: certified electricians for homes, shops and offices.",
                    "soft-slate",
                    "Calm grey light",
                    "Ask for a visit",
                    "/contact/",
                ),
                features(
                    "Services",
                    ("Rewiring", "Old wiring replaced with minimal mess."),
                    ("Fuse boxes", "Modern consumer units, tested and certified."),
                    ("Lighting", "Indoor and garden lighting, designed with you."),
                    ("Inspections", "Safety reports for landlords and buyers."),
                ),
                prices(
                    "Prices",
                    ("Call-out", "CHF 80", "one-off", ["First half hour included"]),
                    ("Safety report", "CHF 240", "per home", ["Written certificate"]),
                    best=1,
                ),
                footer("Certified and insured"),
            ),
            page(
                "About",
                "about",
                "About {name}: certified electricians.",
                text(
                    "## Who we are\n\nA small team of **certified electricians** with twenty years of experience between us.\n\nEvery job is tested and comes with a certificate."
                ),
                quotes("Customers say", ("Explained everything and left the house spotless.", "Marco", "Rewired flat")),
                footer("Certified and insured"),
            ),
            contact(
                "Ask for a visit",
                "Tell us what needs doing and your address.",
                visit("Hours", hours("07:30", "18:00"), "5 Power Street", PHONE),
            ),
        ),
    ),
    Template(
        "gardener",
        "Gardener",
        "Fresh and green: garden care, seasonal work and a quote form.",
        "forest",
        "soft",
        (
            home(
                hero(
                    "Gardens looked after, all year",
                    "{name} mows, prunes, plants and tidies, so you can simply enjoy it.",
                    "grass",
                    "A freshly cut lawn",
                    "Ask for a quote",
                    "/contact/",
                ),
                features(
                    "What we do",
                    ("Lawns", "Mowing, edging and feeding."),
                    ("Hedges and trees", "Shaped and kept healthy."),
                    ("Planting", "Beds and borders for every season."),
                ),
                quotes("Customers say", ("Our garden has never looked this good.", "Ruth", "Weekly visits")),
                cta("A garden visit", "We come, look and quote for free.", "Ask for a quote", "/contact/"),
                footer(),
            ),
            page(
                "Services",
                "services",
                "Garden care by {name}: lawns, hedges, planting.",
                prices(
                    "Garden care",
                    ("Visit", "CHF 55", "per hour", ["Tools and green waste included"]),
                    ("Season plan", "CHF 180", "per month", ["Fortnightly visits", "Lawn feed twice a year"]),
                    best=1,
                ),
                picture("grass", "A lawn close up", "A lawn in May, three weeks after feeding."),
                footer(),
            ),
            contact(
                "Ask for a quote",
                "Tell us the size of the garden and what it needs.",
                visit("Where we work", hours("08:00", "18:00", "mon tue wed thu fri sat"), "Around Winterthur", PHONE),
            ),
        ),
    ),
    Template(
        "physio",
        "Physiotherapy clinic",
        "Calm and reassuring: treatments, the team and appointment requests.",
        "ocean",
        "clean",
        (
            home(
                hero(
                    "Move without pain again",
                    "{name}: physiotherapy for backs, joints and sports injuries.",
                    "soft-ocean",
                    "Calm blue light",
                    "Request an appointment",
                    "/contact/",
                    "split",
                ),
                features(
                    "Treatments",
                    ("Back and neck", "Hands-on treatment and exercises you can do at home."),
                    ("Sports injuries", "Back to training safely."),
                    ("After surgery", "Rehabilitation planned with your surgeon."),
                ),
                quotes(
                    "Patients say", ("Six sessions and I am running again.", "Anja", "Knee injury"), layout="spotlight"
                ),
                visit("Clinic hours", hours("08:00", "19:00"), "Health Centre, 3 Park Avenue", PHONE),
                footer("Covered by supplementary insurance"),
            ),
            page(
                "Prices",
                "prices",
                "Treatment prices at {name}.",
                prices(
                    "Sessions",
                    ("First visit", "CHF 120", "60 minutes", ["Assessment and treatment"]),
                    ("Follow-up", "CHF 95", "45 minutes", []),
                    best=0,
                ),
                text(
                    "## Insurance\n\nWith a doctor's prescription, basic health insurance pays for nine sessions. Ask us if you are unsure."
                ),
                footer("Covered by supplementary insurance"),
            ),
            contact(
                "Request an appointment",
                "Tell us what hurts and which times suit you.",
                visit("Clinic hours", hours("08:00", "19:00"), "Health Centre, 3 Park Avenue", PHONE),
            ),
        ),
    ),
    Template(
        "dentist",
        "Dental practice",
        "Friendly and clean: treatments, prices and new-patient requests.",
        "slate",
        "clean",
        (
            home(
                hero(
                    "A dentist you will not dread",
                    "{name}: gentle check-ups, cleaning and treatment for the whole family.",
                    "soft-slate",
                    "Clean grey light",
                    "Become a patient",
                    "/contact/",
                    "split",
                ),
                features(
                    "Treatments",
                    ("Check-ups", "Twice a year, with a clean."),
                    ("Fillings and crowns", "Tooth-coloured, done in one visit where we can."),
                    ("Nervous patients", "We take our time and explain every step."),
                ),
                quotes("Patients say", ("The first dentist my children are not afraid of.", "Priya", "Family of four")),
                visit("Opening hours", hours("08:00", "18:00"), "10 Lake Road", PHONE),
                footer(),
            ),
            page(
                "Prices",
                "prices",
                "Dental treatment prices at {name}.",
                prices(
                    "Common treatments",
                    ("Check-up", "CHF 90", "", ["X-rays extra if needed"]),
                    ("Hygiene clean", "CHF 140", "", ["45 minutes"]),
                    ("Filling", "CHF 180", "from", []),
                    layout="list",
                ),
                footer(),
            ),
            contact(
                "Become a patient",
                "Tell us who would like to join and any worries you have.",
                visit("Opening hours", hours("08:00", "18:00"), "10 Lake Road", PHONE),
            ),
        ),
    ),
    Template(
        "yoga",
        "Yoga studio",
        "Light and welcoming: classes, passes, timetable and sign-up.",
        "forest",
        "editorial",
        (
            home(
                hero(
                    "Yoga for every body",
                    "{name}: small classes for beginners and regulars, in the heart of town.",
                    "soft-forest",
                    "Soft green light",
                    "Try a class",
                    "/contact/",
                ),
                features(
                    "Classes",
                    ("Gentle", "Slow and restorative."),
                    ("Flow", "Move with the breath."),
                    ("Beginners", "Start here, no experience needed."),
                ),
                prices(
                    "Passes",
                    ("Drop-in", "CHF 28", "per class", ["Mat included"]),
                    ("Unlimited", "CHF 150", "per month", ["Every class"]),
                    best=1,
                ),
                footer(),
            ),
            page(
                "Timetable",
                "timetable",
                "The weekly class timetable at {name}.",
                text(
                    "## This week\n\n- **Monday** 07:00 Flow, 18:30 Beginners\n- **Wednesday** 12:15 Gentle, 19:00 Flow\n- **Saturday** 09:30 Flow, 11:00 Gentle\n\nClasses last 60 minutes. Arrive ten minutes early for your first one."
                ),
                visit("Studio hours", hours("07:00", "21:00", "mon tue wed thu fri sat"), "3 Garden Road"),
                footer(),
            ),
            contact(
                "Book a first class",
                "Which class would you like to try?",
                visit("Studio hours", hours("07:00", "21:00", "mon tue wed thu fri sat"), "3 Garden Road"),
            ),
        ),
    ),
    Template(
        "restaurant",
        "Restaurant",
        "Appetising: menus, opening hours and table requests.",
        "forest",
        "bistro",
        (
            home(
                hero(
                    "{name}",
                    "Seasonal cooking with produce from farms we visit ourselves.",
                    "soft-forest",
                    "Green evening light",
                    "Reserve a table",
                    "/contact/",
                ),
                features(
                    "Why guests come back",
                    ("Seasonal menu", "It changes every month with what the farms bring."),
                    ("Natural wines", "From small growers, by the glass."),
                    ("Private room", "For up to 16 guests."),
                ),
                quotes(
                    "Guests say", ("The best dinner we had all year.", "Elena", "Birthday dinner"), layout="spotlight"
                ),
                visit("Opening hours", hours("11:30", "22:00", "tue wed thu fri sat sun"), "5 River Lane", PHONE),
                footer(),
            ),
            page(
                "Menu",
                "menu",
                "Lunch, dinner and tasting menus at {name}.",
                prices(
                    "Menus",
                    ("Lunch", "CHF 34", "per person", ["Two courses", "Tuesday to Friday"]),
                    ("Dinner", "CHF 58", "per person", ["Three courses"]),
                    ("Tasting", "CHF 98", "per person", ["Six courses", "Wine pairing on request"]),
                    best=2,
                ),
                cta("Dining with a group?", "Our private room seats 16.", "Ask about the room", "/contact/"),
                footer(),
            ),
            contact(
                "Reserve a table",
                "Tell us the day, the time and how many you are.",
                visit("Opening hours", hours("11:30", "22:00", "tue wed thu fri sat sun"), "5 River Lane", PHONE),
            ),
        ),
    ),
    Template(
        "shop",
        "Gift shop",
        "Bright and friendly: what you sell, opening hours and orders.",
        "berry",
        "geometric",
        (
            home(
                hero(
                    "Gifts chosen with care",
                    "{name}: cards, ceramics and small things made by local makers.",
                    "soft-berry",
                    "Soft pink light",
                    "Visit the shop",
                    "/visit/",
                    "split",
                ),
                features(
                    "In the shop",
                    ("Local makers", "Thirty artists from our region."),
                    ("Gift wrapping", "Free, with a handwritten card."),
                    ("Click and collect", "Order by message, pick up the same day."),
                ),
                quotes("Customers say", ("I always find something I did not know I needed.", "Zoe", "Regular")),
                footer(),
            ),
            page(
                "Visit",
                "visit",
                "Opening hours and address of {name}.",
                visit("Opening hours", hours("10:00", "18:30", "tue wed thu fri sat"), "7 Old Town Square", PHONE),
                cta(
                    "Looking for something special?",
                    "Tell us who it is for and your budget: we put a few ideas aside.",
                    "Ask us",
                    "/contact/",
                ),
                footer(),
            ),
            contact(
                "Order or ask",
                "What are you looking for, and by when?",
                visit("Opening hours", hours("10:00", "18:30", "tue wed thu fri sat"), "7 Old Town Square", PHONE),
            ),
        ),
    ),
    Template(
        "consultant",
        "Consultant",
        "Calm and credible: what you offer, how you work, what clients say.",
        "slate",
        "studio",
        (
            home(
                hero(
                    "Clear advice for growing businesses",
                    "{name} helps owners make decisions with confidence.",
                    "soft-slate",
                    "Calm grey light",
                    "Book a free call",
                    "/contact/",
                    "split",
                ),
                features(
                    "How I help",
                    ("Strategy", "Where to focus the next twelve months."),
                    ("Finance", "Numbers you understand."),
                    ("Hiring", "The right first employees."),
                ),
                quotes(
                    "Clients say",
                    ("Two sessions saved us a year of guessing.", "Priya", "Founder"),
                    ("Direct, practical and kind.", "Oliver", "Shop owner"),
                ),
                cta(
                    "A first call is free", "Thirty minutes to see whether I can help.", "Book a free call", "/contact/"
                ),
                footer(),
            ),
            page(
                "How I work",
                "how-i-work",
                "How {name} works with clients, and what it costs.",
                text(
                    "## How we work\n\nA free first call, a written proposal, then regular sessions. **No long contracts.**\n\nEvery session ends with three things to do before the next one."
                ),
                prices(
                    "Packages",
                    ("Single session", "CHF 250", "2 hours", []),
                    ("Quarter", "CHF 1,800", "3 months", ["Six sessions", "Email between sessions"]),
                    best=1,
                ),
                footer(),
            ),
            contact(
                "Book a free call",
                "Tell me a little about your business and what is on your mind.",
                visit("Office", [], "Business Centre, 2 Bridge Street", PHONE),
            ),
        ),
    ),
    Template(
        "bookkeeper",
        "Bookkeeper",
        "Tidy and trustworthy: bookkeeping, tax returns and fixed prices.",
        "slate",
        "classic",
        (
            home(
                hero(
                    "Your books, done every month",
                    "{name}: bookkeeping, VAT and tax returns for small businesses and the self-employed.",
                    "coins",
                    "Old coins on a grey cloth",
                    "Ask for a price",
                    "/contact/",
                    "split",
                ),
                features(
                    "What I do",
                    ("Bookkeeping", "Receipts in, clear monthly figures out."),
                    ("VAT returns", "Filed on time, every quarter."),
                    ("Tax returns", "For you and your business."),
                ),
                quotes("Clients say", ("I finally know where my money goes.", "Ben", "Carpenter")),
                footer(),
            ),
            page(
                "Prices",
                "prices",
                "Fixed monthly prices for bookkeeping by {name}.",
                prices(
                    "Fixed prices",
                    ("Self-employed", "CHF 120", "per month", ["Bookkeeping", "Yearly tax return"]),
                    ("Small business", "CHF 290", "per month", ["Bookkeeping", "VAT returns", "Payroll for up to 5"]),
                    best=1,
                ),
                footer(),
            ),
            contact(
                "Ask for a price",
                "Tell me about your business and how many receipts a month.",
                visit("Office hours", hours("08:30", "17:00"), "4 Counting House Lane", PHONE),
            ),
        ),
    ),
    Template(
        "trainer",
        "Personal trainer",
        "Energetic: training plans, prices and a free first session.",
        "ocean",
        "bold",
        (
            home(
                hero(
                    "Stronger in twelve weeks",
                    "{name}: personal training in the park, the gym or your living room.",
                    "soft-ocean",
                    "Bright blue light",
                    "Book a free session",
                    "/contact/",
                ),
                features(
                    "Training",
                    ("One to one", "A plan made for your body and your week."),
                    ("Small groups", "Up to four friends, shared price."),
                    ("Online", "Video sessions and a plan in your phone."),
                ),
                quotes(
                    "Clients say",
                    ("Lost 8 kg and gained a lot of confidence.", "Dan", "Trained for 6 months"),
                    layout="spotlight",
                ),
                footer(),
            ),
            page(
                "Prices",
                "prices",
                "Personal training prices with {name}.",
                prices(
                    "Sessions",
                    ("Single", "CHF 95", "per hour", []),
                    ("Ten sessions", "CHF 850", "pack", ["Nutrition guide included"]),
                    ("Online month", "CHF 160", "per month", ["Weekly video call"]),
                    best=1,
                ),
                footer(),
            ),
            contact(
                "Book a free session",
                "Tell me your goal and when you can train.",
                visit("Where we train", [], "City Park, by the lake", PHONE),
            ),
        ),
    ),
    Template(
        "photographer",
        "Photographer",
        "A portfolio first: your pictures, your packages and bookings.",
        "slate",
        "studio",
        (
            home(
                hero(
                    "Photographs that feel like you",
                    "{name}: portraits, families and small weddings.",
                    "camera",
                    "A photographer with a camera on a tripod",
                    "See packages",
                    "/packages/",
                ),
                gallery(
                    "Recent work",
                    ("camera", "On a shoot in the city"),
                    ("cat", "A portrait of a cat"),
                    ("coffee", "A still life of an espresso"),
                ),
                quotes(
                    "Clients say",
                    ("Relaxed, funny and the photos are beautiful.", "Hanna", "Family shoot"),
                    layout="spotlight",
                ),
                footer(),
            ),
            page(
                "Packages",
                "packages",
                "Photography packages and prices from {name}.",
                prices(
                    "Packages",
                    ("Portrait", "CHF 290", "1 hour", ["20 edited photos"]),
                    ("Family", "CHF 450", "2 hours", ["50 edited photos", "A printed album"]),
                    ("Wedding", "CHF 1,900", "full day", ["All edited photos", "Online gallery"]),
                    best=1,
                ),
                footer(),
            ),
            contact(
                "Book a shoot",
                "Tell me the date, the place and who will be in the photos.",
                visit("Studio", [], "Studio 5, 14 Canal Street", PHONE),
            ),
        ),
    ),
    Template(
        "groomer",
        "Pet groomer",
        "Cheerful and caring: grooming services, prices and bookings.",
        "berry",
        "soft",
        (
            home(
                hero(
                    "Happy pets, clean coats",
                    "{name}: gentle grooming for dogs and cats, without cages or rush.",
                    "cat",
                    "A tabby cat looking at the camera",
                    "Book a groom",
                    "/contact/",
                    "split",
                ),
                features(
                    "Services",
                    ("Bath and dry", "With shampoo for your pet's coat."),
                    ("Full groom", "Bath, cut, nails and ears."),
                    ("Cats too", "Calm, quiet appointments."),
                ),
                quotes("Owners say", ("Our nervous cat came home calm and fluffy.", "Ines", "Owner of Miso")),
                footer(),
            ),
            page(
                "Prices",
                "prices",
                "Grooming prices at {name}.",
                prices(
                    "Prices",
                    ("Small dog", "CHF 60", "full groom", []),
                    ("Large dog", "CHF 95", "full groom", []),
                    ("Cat", "CHF 70", "full groom", ["Quiet appointment"]),
                    layout="list",
                ),
                visit("Opening hours", hours("08:30", "17:30", "tue wed thu fri sat"), "9 Meadow Lane", PHONE),
                footer(),
            ),
            contact(
                "Book a groom",
                "Tell us your pet's name, breed and what they need.",
                visit("Opening hours", hours("08:30", "17:30", "tue wed thu fri sat"), "9 Meadow Lane", PHONE),
            ),
        ),
    ),
    Template(
        "florist",
        "Florist",
        "Colourful: bouquets, weddings and same-day orders.",
        "berry",
        "editorial",
        (
            home(
                hero(
                    "Flowers for every day and every occasion",
                    "{name}: seasonal bouquets, made by hand this morning.",
                    "soft-berry",
                    "Soft petals of light",
                    "Order flowers",
                    "/contact/",
                    "split",
                ),
                features(
                    "What we make",
                    ("Bouquets", "Seasonal flowers, wrapped to take away."),
                    ("Weddings", "From the bouquet to the tables."),
                    ("Sympathy", "Quiet, thoughtful arrangements."),
                ),
                cta(
                    "Same-day delivery",
                    "Order before noon and we deliver in town the same day.",
                    "Order flowers",
                    "/contact/",
                ),
                footer(),
            ),
            page(
                "Bouquets",
                "bouquets",
                "Bouquet sizes and prices at {name}.",
                prices(
                    "Bouquets",
                    ("Small", "CHF 35", "", ["Seasonal mix"]),
                    ("Medium", "CHF 55", "", ["Seasonal mix", "A vase on request"]),
                    ("Large", "CHF 85", "", ["Our florist's choice"]),
                    best=1,
                ),
                visit("Shop hours", hours("08:00", "18:30", "mon tue wed thu fri sat"), "2 Flower Market", PHONE),
                footer(),
            ),
            contact(
                "Order flowers",
                "Who are they for, when, and what would you like to spend?",
                visit("Shop hours", hours("08:00", "18:30", "mon tue wed thu fri sat"), "2 Flower Market", PHONE),
            ),
        ),
    ),
    Template(
        "music",
        "Music teacher",
        "Encouraging: lessons, prices and a free trial lesson.",
        "forest",
        "classic",
        (
            home(
                hero(
                    "Piano and guitar lessons, at any age",
                    "{name}: patient teaching for beginners and returning players.",
                    "soft-forest",
                    "Soft green light",
                    "Book a trial lesson",
                    "/contact/",
                ),
                features(
                    "Lessons",
                    ("Children", "From age six, with games and songs they know."),
                    ("Adults", "It is never too late to start."),
                    ("Exams", "Preparation for graded exams."),
                ),
                quotes("Students say", ("My daughter practises without being asked.", "Paul", "Parent")),
                footer(),
            ),
            page(
                "Lessons",
                "lessons",
                "Lesson lengths and prices with {name}.",
                prices(
                    "Lessons",
                    ("30 minutes", "CHF 40", "per lesson", ["Good for young children"]),
                    ("45 minutes", "CHF 58", "per lesson", []),
                    ("60 minutes", "CHF 75", "per lesson", ["Exam preparation"]),
                    best=1,
                ),
                footer(),
            ),
            contact(
                "Book a trial lesson",
                "Who will learn, which instrument, and which days suit you?",
                visit("Lessons", hours("14:00", "20:00", "mon tue wed thu fri"), "Music room, 6 Church Street", PHONE),
            ),
        ),
    ),
    Template(
        "cleaning",
        "Cleaning service",
        "Fresh and reliable: regular and one-off cleaning, with prices.",
        "ocean",
        "geometric",
        (
            home(
                hero(
                    "Come home to a clean house",
                    "{name}: regular and one-off cleaning by a small, trusted team.",
                    "soft-ocean",
                    "Fresh blue light",
                    "Get a price",
                    "/contact/",
                    "split",
                ),
                features(
                    "Cleaning",
                    ("Regular", "Weekly or fortnightly, the same cleaner each time."),
                    ("Deep clean", "Kitchens, bathrooms, windows inside."),
                    ("Moving out", "Handed back to the landlord's standard."),
                ),
                prices(
                    "Prices",
                    ("Regular", "CHF 45", "per hour", ["Products included"]),
                    ("Moving out", "CHF 490", "2-room flat", ["Guaranteed handover"]),
                    best=0,
                ),
                footer("Insured, vetted staff"),
            ),
            page(
                "Areas",
                "areas",
                "Where {name} cleans.",
                text(
                    "## Where we clean\n\nThe city and the villages within 15 km. **No travel costs** inside that area.\n\nKeys are kept safe, labelled with a number, never an address."
                ),
                quotes("Customers say", ("Reliable for four years now.", "Greta", "Weekly clean")),
                footer("Insured, vetted staff"),
            ),
            contact(
                "Get a price",
                "Tell us the size of your home and how often.",
                visit("Office hours", hours("08:00", "17:00"), "11 Clean Street", PHONE),
            ),
        ),
    ),
)

BY_ID = {t.id: t for t in TEMPLATES}


def template_json(t: Template) -> dict[str, Any]:
    """What the portal's chooser shows of a template (its thumbnail and previews are static files)."""
    return {
        "id": t.id,
        "name": t.name,
        "pitch": t.pitch,
        "palette": t.palette,
        "fonts": t.fonts,
        "pages": [p.title for p in t.pages],
        "version": t.fingerprint(),
    }


def site_data(t: Template, name: str, origin: str = "https://example.smartpages.site") -> SiteData:
    """The template as the renderer takes a site (customer/render.py `SiteData`), its photos as the
    site's uploads: what `tools.thumbnails` screenshots and the tests render and check."""
    pages = []
    for n, p in enumerate(t.pages):
        blocks = blockdefs.check_blocks(named(list(p.blocks), name), "template")
        for i, block in enumerate(blocks):
            block["id"] = f"b_{n:02d}{i:06d}"
        pages.append(Page(f"p_{n}", p.slug, p.title, description(p, name), blocks))
    images = {}
    for photo_name in t.photos():
        (sha, kind, width, height, _), variants = PHOTOS[photo_name]
        images[sha] = Image(sha, kind, width, height, tuple(Variant(v[0], v[1], v[2], v[3]) for v in variants))
    return SiteData(
        id="s_" + "0" * 32,
        name=name,
        theme=blockdefs.check_theme({"palette": t.palette, "fonts": t.fonts}),
        seo={},
        pages=pages,
        origin=origin,
        form_action="https://portal.example/api/v1/forms/s_0",
        assets={sha: image.content_type for sha, image in images.items()},
        images=images,
    )
