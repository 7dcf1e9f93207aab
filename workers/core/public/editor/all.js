// Every editor panel, by its module (each registers itself: editor/panels.js). A new panel is a
// new module under editor/ and one line here; its place and order come from its registration.
import './saving.js';
import './undo.js';
import './status.js';
import './kept.js';
import './pages.js';
import './blocks.js';
import './library.js';
import './settings.js';
import './preview.js';
import './onpage.js';
import './domains.js';
import './team.js';
import './activity.js';
import './viewonly.js';
import './history.js';
