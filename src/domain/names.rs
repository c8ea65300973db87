//! `named_enum!`: an enum whose variants each have one name, written once.
//! `as_str`, `parse`, `FromStr` (for URL query structs), `Display` and serde
//! all come from that one line per variant, so adding a variant is one line.
#[macro_export]
macro_rules! named_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The names, for messages: "a, b or c".
            pub fn names() -> String {
                Self::names_of(Self::ALL)
            }

            /// Some of the names, for messages.
            pub fn names_of(some: &[Self]) -> String {
                let all: Vec<&str> = some.iter().map(|v| v.as_str()).collect();
                match all.split_last() {
                    Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
                    _ => all.concat(),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                Self::parse(s).ok_or_else(|| format!("expected {}", Self::names()))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Self::parse(&s).ok_or_else(|| <D::Error as serde::de::Error>::custom(format!("expected {}", Self::names())))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::named_enum! {
        enum Size { Small = "s", Large = "l" }
    }

    #[test]
    fn names_are_written_once_and_read_back() {
        for size in Size::ALL {
            assert_eq!(Size::parse(size.as_str()), Some(*size));
            assert_eq!(serde_json::from_str::<Size>(&serde_json::to_string(size).unwrap()).unwrap(), *size);
        }
        assert_eq!("l".parse::<Size>(), Ok(Size::Large));
        assert_eq!("m".parse::<Size>(), Err("expected s or l".to_string()));
        assert!(serde_json::from_str::<Size>("\"m\"").unwrap_err().to_string().contains("expected s or l"));
    }
}
