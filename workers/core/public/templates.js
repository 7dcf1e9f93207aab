// Starter sites chosen at site creation: sensible blocks and copy for six kinds of business, with
// placeholder pictures drawn in the browser (a gradient in the template's colours, uploaded like
// any photo). The owner replaces the words and pictures in the editor.

const hours = (opens, closes, days = ['mon', 'tue', 'wed', 'thu', 'fri']) =>
  ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => (days.includes(day) ? { day, opens, closes, closed: false } : { day, opens: '', closes: '', closed: true }));

const contact = (heading, intro) => ({ type: 'lead_form', heading, intro, ask_phone: true, submit_label: 'Send', thanks: 'Thank you! We will get back to you within a day.' });
const footer = (text) => ({ type: 'footer', text, links: [{ label: 'Contact', href: '/contact/' }] });

export const TEMPLATES = [
  {
    id: 'bakery', name: 'Bakery', palette: 'sunset', fonts: 'classic', colours: ['#b4442b', '#fbeadf'],
    pitch: 'Warm and homely: fresh bakes, opening hours and a gallery.',
    home: (name, img) => [
      { type: 'hero', heading: `${name}: bread baked every morning`, subheading: 'Sourdough, pastries and cakes made by hand in our own kitchen.', image: img[0], image_alt: 'Fresh loaves on the counter', cta_label: 'See our bakes', cta_href: '/bakes/' },
      { type: 'features', heading: 'Why people queue', items: [{ title: 'Slow dough', text: 'Our sourdough rests for 36 hours.' }, { title: 'Local flour', text: 'Milled twenty minutes away.' }, { title: 'Early hours', text: 'Warm bread from 6 am.' }] },
      { type: 'testimonials', heading: 'What neighbours say', items: [{ quote: 'The best croissant in town, and the kindest welcome.', author: 'Mara', role: 'Regular since 2019' }] },
      { type: 'hours_location', heading: 'Visit us', hours: hours('06:00', '18:00', ['mon', 'tue', 'wed', 'thu', 'fri', 'sat']), address: '1 Market Street', phone: '+41 00 000 00 00' },
      footer(`© ${name}`),
    ],
    pages: (name, img) => [{ title: 'Bakes', blocks: [
      { type: 'gallery', heading: 'From our ovens', images: [{ asset: img[0], alt: 'Loaves' }, { asset: img[1], alt: 'Pastries' }] },
      { type: 'pricing', heading: 'Celebration cakes', plans: [{ name: 'Small', price: '€28', period: 'one-off', features: ['Serves 6'] }, { name: 'Large', price: '€45', period: 'one-off', features: ['Serves 12', 'Written message'], highlighted: true }] },
    ] }, { title: 'Contact', blocks: [contact('Order a cake', 'Tell us the date, the size and what to write on it.')] }],
  },
  {
    id: 'plumber', name: 'Plumber', palette: 'ocean', fonts: 'modern', colours: ['#0b6e99', '#e6f2f8'],
    pitch: 'Trustworthy and direct: services, prices and a call-back form.',
    home: (name, img) => [
      { type: 'hero', heading: `${name}: leaks fixed today`, subheading: 'Qualified plumbers for homes and small businesses, 7 days a week.', image: img[0], image_alt: 'A plumber at work', cta_label: 'Call us', cta_href: 'tel:+41000000000' },
      { type: 'features', heading: 'What we do', items: [{ title: 'Emergencies', text: 'Burst pipes and leaks, within two hours.' }, { title: 'Boilers', text: 'Servicing and repairs.' }, { title: 'Bathrooms', text: 'Fitted from start to finish.' }] },
      { type: 'pricing', heading: 'Clear prices', plans: [{ name: 'Call-out', price: '€60', period: 'one-off', features: ['First half hour included'] }, { name: 'Per hour', price: '€55', period: 'per hour', features: ['No weekend surcharge'], highlighted: true }] },
      { type: 'testimonials', heading: 'Customers say', items: [{ quote: 'Came at 10 pm on a Sunday and fixed it in an hour.', author: 'Jon', role: 'Homeowner' }] },
      footer(`© ${name} · Fully insured`),
    ],
    pages: () => [{ title: 'Contact', blocks: [contact('Ask for a call back', 'Describe the problem; we call you back within the hour.')] }],
  },
  {
    id: 'salon', name: 'Hair salon', palette: 'berry', fonts: 'editorial', colours: ['#8a2c6d', '#f6e6f1'],
    pitch: 'Stylish: services with prices, a gallery and booking requests.',
    home: (name, img) => [
      { type: 'hero', heading: name, subheading: 'Cuts, colour and care in a calm, friendly salon.', image: img[0], image_alt: 'Inside the salon', cta_label: 'Book a visit', cta_href: '/contact/' },
      { type: 'pricing', heading: 'Services', plans: [{ name: 'Cut and finish', price: '€45', period: 'per session', features: ['Wash included'] }, { name: 'Colour', price: '€80', period: 'per session', features: ['Consultation first'], highlighted: true }] },
      { type: 'gallery', heading: 'Recent work', images: [{ asset: img[0], alt: 'A fresh cut' }, { asset: img[1], alt: 'A colour' }] },
      { type: 'hours_location', heading: 'Find us', hours: hours('09:00', '19:00', ['tue', 'wed', 'thu', 'fri', 'sat']), address: '12 High Street' },
      footer(`© ${name}`),
    ],
    pages: () => [{ title: 'Contact', blocks: [contact('Book a visit', 'Tell us what you would like and when suits you.')] }],
  },
  {
    id: 'consultant', name: 'Consultant', palette: 'slate', fonts: 'modern', colours: ['#334e68', '#e2e8f0'],
    pitch: 'Calm and credible: what you offer, how you work, testimonials.',
    home: (name, img) => [
      { type: 'hero', heading: 'Clear advice for growing businesses', subheading: `${name} helps owners make decisions with confidence.`, image: img[0], image_alt: 'A meeting', cta_label: 'Book a free call', cta_href: '/contact/' },
      { type: 'features', heading: 'How I help', items: [{ title: 'Strategy', text: 'Where to focus the next twelve months.' }, { title: 'Finance', text: 'Numbers you understand.' }, { title: 'Hiring', text: 'The right first employees.' }] },
      { type: 'rich_text', markdown: '## How we work\n\nA free first call, a written proposal, then regular sessions. **No long contracts.**' },
      { type: 'testimonials', heading: 'Clients say', items: [{ quote: 'Two sessions saved us a year of guessing.', author: 'Priya', role: 'Founder' }] },
      footer(`© ${name}`),
    ],
    pages: () => [{ title: 'Contact', blocks: [contact('Book a free call', 'Tell me a little about your business.')] }],
  },
  {
    id: 'restaurant', name: 'Restaurant', palette: 'forest', fonts: 'classic', colours: ['#2f6b3a', '#e8f1e6'],
    pitch: 'Appetising: menu highlights, photos, hours and reservations.',
    home: (name, img) => [
      { type: 'hero', heading: name, subheading: 'Seasonal cooking with produce from local farms.', image: img[0], image_alt: 'A plate of food', cta_label: 'Reserve a table', cta_href: '/contact/' },
      { type: 'gallery', heading: 'From our kitchen', images: [{ asset: img[0], alt: 'Starter' }, { asset: img[1], alt: 'Dessert' }] },
      { type: 'pricing', heading: 'Menus', plans: [{ name: 'Lunch', price: '€24', period: 'per person', features: ['Two courses'] }, { name: 'Tasting', price: '€68', period: 'per person', features: ['Six courses'], highlighted: true }] },
      { type: 'hours_location', heading: 'Opening hours', hours: hours('11:30', '22:00', ['tue', 'wed', 'thu', 'fri', 'sat', 'sun']), address: '5 River Lane', phone: '+41 00 000 00 00' },
      footer(`© ${name}`),
    ],
    pages: () => [{ title: 'Contact', blocks: [contact('Reserve a table', 'Tell us the day, the time and how many you are.')] }],
  },
  {
    id: 'yoga', name: 'Yoga studio', palette: 'ocean', fonts: 'editorial', colours: ['#0b6e99', '#e6f2f8'],
    pitch: 'Light and welcoming: classes, passes, timetable and sign-up.',
    home: (name, img) => [
      { type: 'hero', heading: `${name}: yoga for every body`, subheading: 'Small classes for beginners and regulars, in the heart of town.', image: img[0], image_alt: 'A yoga class', cta_label: 'Try a class', cta_href: '/contact/' },
      { type: 'features', heading: 'Classes', items: [{ title: 'Gentle', text: 'Slow and restorative.' }, { title: 'Flow', text: 'Move with the breath.' }, { title: 'Beginners', text: 'Start here, no experience needed.' }] },
      { type: 'pricing', heading: 'Passes', plans: [{ name: 'Drop-in', price: '€18', period: 'per session', features: ['Mat included'] }, { name: 'Unlimited', price: '€95', period: 'per month', features: ['Every class'], highlighted: true }] },
      { type: 'hours_location', heading: 'Studio hours', hours: hours('07:00', '21:00', ['mon', 'tue', 'wed', 'thu', 'fri', 'sat']), address: '3 Garden Road' },
      footer(`© ${name}`),
    ],
    pages: () => [{ title: 'Contact', blocks: [contact('Book a first class', 'Which class would you like to try?')] }],
  },
];

// A placeholder picture in the template's colours (1600 x 1000), as a JPEG file.
export function placeholder(template, n) {
  const canvas = document.createElement('canvas');
  canvas.width = 1600;
  canvas.height = 1000;
  const ctx = canvas.getContext('2d');
  const [a, b] = template.colours;
  const g = ctx.createLinearGradient(0, 0, 1600, 1000);
  g.addColorStop(0, n ? b : a);
  g.addColorStop(1, n ? a : b);
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, 1600, 1000);
  ctx.fillStyle = 'rgba(255,255,255,.85)';
  ctx.font = 'bold 64px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.fillText('Replace with your photo', 800, 520);
  return new Promise((resolve) => canvas.toBlob((blob) => resolve(new File([blob], `${template.id}-${n + 1}.jpg`, { type: 'image/jpeg' })), 'image/jpeg', 0.8));
}
