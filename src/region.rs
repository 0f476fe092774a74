//! Taegis regions (the Python SDK calls them environments) and their API base URLs.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// A Taegis XDR region.
///
/// Names are those of the official Python SDK, parsed case-insensitively, each with its
/// aliases: `us1` (`charlie`, `production`), `us2` (`delta`), `us3` (`foxtrot`), `eu` (`echo`),
/// `euw1` (`golf`), `apse2` (`hotel`), `aps1` (`india`), `apne1` (`juliet`), `sae1` (`kilo`),
/// `cac1` (`quebec`).
///
/// ```
/// use taegis_sdk::Region;
///
/// let region: Region = "Charlie".parse().unwrap();
/// assert_eq!(region, Region::Us1);
/// assert_eq!(region.api_url(), "https://api.ctpx.secureworks.com");
/// assert_eq!(region.tenants_url(), "https://api.tenants.ctpx.secureworks.com");
/// assert!("mars".parse::<Region>().unwrap_err().to_string().contains("us1"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Region {
    /// US1 (`charlie`, `production`).
    Us1,
    /// US2 (`delta`).
    Us2,
    /// US3 (`foxtrot`).
    Us3,
    /// EU (`echo`).
    Eu,
    /// EU West 1 (`golf`).
    Euw1,
    /// Asia Pacific South East 2 (`hotel`).
    Apse2,
    /// Asia Pacific South 1 (`india`).
    Aps1,
    /// Asia Pacific North East 1 (`juliet`).
    Apne1,
    /// South America East 1 (`kilo`).
    Sae1,
    /// Canada Central 1 (`quebec`).
    Cac1,
}

impl Region {
    /// Every region, in the Python SDK's order.
    pub const ALL: [Region; 10] = [
        Region::Us1,
        Region::Us2,
        Region::Us3,
        Region::Eu,
        Region::Euw1,
        Region::Apse2,
        Region::Aps1,
        Region::Apne1,
        Region::Sae1,
        Region::Cac1,
    ];

    /// The region's short name, e.g. `us1`.
    pub fn name(self) -> &'static str {
        self.row().0
    }

    /// The other names the region is known by, e.g. `["charlie", "production"]`.
    pub fn aliases(self) -> &'static [&'static str] {
        self.row().1
    }

    /// Base URL of the main API (`/graphql`, the token endpoint, REST calls).
    pub fn api_url(self) -> &'static str {
        self.row().2
    }

    /// Base URL of the tenants API (`/public/query`).
    pub fn tenants_url(self) -> &'static str {
        self.row().3
    }

    /// Every accepted name, short names and aliases, comma separated (for error messages).
    pub fn valid_names() -> String {
        Region::ALL
            .iter()
            .map(|r| {
                if r.aliases().is_empty() {
                    r.name().to_owned()
                } else {
                    format!("{} ({})", r.name(), r.aliases().join(", "))
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn row(
        self,
    ) -> (
        &'static str,
        &'static [&'static str],
        &'static str,
        &'static str,
    ) {
        match self {
            Region::Us1 => (
                "us1",
                &["charlie", "production"],
                "https://api.ctpx.secureworks.com",
                "https://api.tenants.ctpx.secureworks.com",
            ),
            Region::Us2 => (
                "us2",
                &["delta"],
                "https://api.delta.taegis.secureworks.com",
                "https://api-tenants.delta.taegis.secureworks.com",
            ),
            Region::Us3 => (
                "us3",
                &["foxtrot"],
                "https://api.foxtrot.taegis.secureworks.com",
                "https://api-tenants.foxtrot.taegis.secureworks.com",
            ),
            Region::Eu => (
                "eu",
                &["echo"],
                "https://api.echo.taegis.secureworks.com",
                "https://api-tenants.echo.taegis.secureworks.com",
            ),
            Region::Euw1 => (
                "euw1",
                &["golf"],
                "https://api.golf.taegis.secureworks.com",
                "https://api-tenants.golf.taegis.secureworks.com",
            ),
            Region::Apse2 => (
                "apse2",
                &["hotel"],
                "https://api.hotel.taegis.secureworks.com",
                "https://api-tenants.hotel.taegis.secureworks.com",
            ),
            Region::Aps1 => (
                "aps1",
                &["india"],
                "https://api.india.taegis.secureworks.com",
                "https://api-tenants.india.taegis.secureworks.com",
            ),
            Region::Apne1 => (
                "apne1",
                &["juliet"],
                "https://api.juliet.taegis.secureworks.com",
                "https://api-tenants.juliet.taegis.secureworks.com",
            ),
            Region::Sae1 => (
                "sae1",
                &["kilo"],
                "https://api.kilo.taegis.secureworks.com",
                "https://api-tenants.kilo.taegis.secureworks.com",
            ),
            Region::Cac1 => (
                "cac1",
                &["quebec"],
                "https://api.quebec.taegis.secureworks.com",
                "https://api-tenants.quebec.taegis.secureworks.com",
            ),
        }
    }
}

impl FromStr for Region {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Region::ALL
            .into_iter()
            .find(|r| {
                r.name().eq_ignore_ascii_case(wanted)
                    || r.aliases().iter().any(|a| a.eq_ignore_ascii_case(wanted))
            })
            .ok_or_else(|| Error::UnknownRegion {
                name: wanted.chars().take(64).collect(),
            })
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Python SDK's table (`_consts.py`), name by name.
    const PYTHON_TABLE: &[(&str, &str, &str)] = &[
        (
            "charlie",
            "https://api.ctpx.secureworks.com",
            "https://api.tenants.ctpx.secureworks.com",
        ),
        (
            "production",
            "https://api.ctpx.secureworks.com",
            "https://api.tenants.ctpx.secureworks.com",
        ),
        (
            "us1",
            "https://api.ctpx.secureworks.com",
            "https://api.tenants.ctpx.secureworks.com",
        ),
        (
            "delta",
            "https://api.delta.taegis.secureworks.com",
            "https://api-tenants.delta.taegis.secureworks.com",
        ),
        (
            "us2",
            "https://api.delta.taegis.secureworks.com",
            "https://api-tenants.delta.taegis.secureworks.com",
        ),
        (
            "echo",
            "https://api.echo.taegis.secureworks.com",
            "https://api-tenants.echo.taegis.secureworks.com",
        ),
        (
            "eu",
            "https://api.echo.taegis.secureworks.com",
            "https://api-tenants.echo.taegis.secureworks.com",
        ),
        (
            "foxtrot",
            "https://api.foxtrot.taegis.secureworks.com",
            "https://api-tenants.foxtrot.taegis.secureworks.com",
        ),
        (
            "us3",
            "https://api.foxtrot.taegis.secureworks.com",
            "https://api-tenants.foxtrot.taegis.secureworks.com",
        ),
        (
            "golf",
            "https://api.golf.taegis.secureworks.com",
            "https://api-tenants.golf.taegis.secureworks.com",
        ),
        (
            "euw1",
            "https://api.golf.taegis.secureworks.com",
            "https://api-tenants.golf.taegis.secureworks.com",
        ),
        (
            "hotel",
            "https://api.hotel.taegis.secureworks.com",
            "https://api-tenants.hotel.taegis.secureworks.com",
        ),
        (
            "apse2",
            "https://api.hotel.taegis.secureworks.com",
            "https://api-tenants.hotel.taegis.secureworks.com",
        ),
        (
            "india",
            "https://api.india.taegis.secureworks.com",
            "https://api-tenants.india.taegis.secureworks.com",
        ),
        (
            "aps1",
            "https://api.india.taegis.secureworks.com",
            "https://api-tenants.india.taegis.secureworks.com",
        ),
        (
            "juliet",
            "https://api.juliet.taegis.secureworks.com",
            "https://api-tenants.juliet.taegis.secureworks.com",
        ),
        (
            "apne1",
            "https://api.juliet.taegis.secureworks.com",
            "https://api-tenants.juliet.taegis.secureworks.com",
        ),
        (
            "kilo",
            "https://api.kilo.taegis.secureworks.com",
            "https://api-tenants.kilo.taegis.secureworks.com",
        ),
        (
            "sae1",
            "https://api.kilo.taegis.secureworks.com",
            "https://api-tenants.kilo.taegis.secureworks.com",
        ),
        (
            "quebec",
            "https://api.quebec.taegis.secureworks.com",
            "https://api-tenants.quebec.taegis.secureworks.com",
        ),
        (
            "cac1",
            "https://api.quebec.taegis.secureworks.com",
            "https://api-tenants.quebec.taegis.secureworks.com",
        ),
    ];

    #[test]
    fn every_python_name_resolves_to_its_urls() {
        for (name, api, tenants) in PYTHON_TABLE {
            for spelling in [name.to_string(), name.to_uppercase(), format!(" {name} ")] {
                let region: Region = spelling.parse().unwrap();
                assert_eq!(region.api_url(), *api, "{spelling}");
                assert_eq!(region.tenants_url(), *tenants, "{spelling}");
            }
        }
        // And every region of ours is in that table.
        for region in Region::ALL {
            assert!(PYTHON_TABLE.iter().any(|(n, _, _)| *n == region.name()));
            for alias in region.aliases() {
                assert!(PYTHON_TABLE.iter().any(|(n, _, _)| n == alias));
            }
        }
    }

    #[test]
    fn unknown_region_lists_valid_names() {
        let err = "mars".parse::<Region>().unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, Error::UnknownRegion { ref name } if name == "mars"));
        for region in Region::ALL {
            assert!(msg.contains(region.name()), "{msg}");
            for alias in region.aliases() {
                assert!(msg.contains(alias), "{msg}");
            }
        }
    }
}
