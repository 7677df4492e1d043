//! What the shared layout (`templates/base.html`) needs from every page.

use crate::auth::Actor;
use crate::domain::status::Role;

/// The logged-in user as shown in the header.
pub struct NavUser {
    /// Display name.
    pub name: String,
    /// Role, for the menu.
    pub role: Role,
}

/// Header and logout form data for the layout.
#[derive(Default)]
pub struct Layout {
    /// Who is logged in, if anyone.
    pub user: Option<NavUser>,
    /// CSRF token for the logout form.
    pub csrf: String,
}

impl Layout {
    /// The layout for a logged-in caller.
    pub fn for_actor(actor: &Actor) -> Layout {
        Layout {
            user: Some(NavUser {
                name: actor.display_name.clone(),
                role: actor.role,
            }),
            csrf: actor.csrf.clone(),
        }
    }

    /// Whether the user is school staff (menu).
    pub fn is_school(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.role == Role::SchoolStaff)
    }

    /// Whether the user is a helpline agent (menu).
    pub fn is_helpline(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Helpline)
    }

    /// Whether the user is an administrator (menu).
    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Admin)
    }
}
